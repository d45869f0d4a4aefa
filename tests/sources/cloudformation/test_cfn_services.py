"""KMS, S3, logs, trail, invocation logging, compute, Bedrock, DNS and operations mappings."""

from __future__ import annotations

from airlock.inventory.audit import Alarm, MetricFilter, Trail, WatchedMetric
from airlock.inventory.bedrock import (
    Agent,
    DataSource,
    InferenceProfile,
    InvocationLogging,
    KnowledgeBase,
)
from airlock.inventory.compute import (
    EcsService,
    EcsTaskDefinition,
    EksCluster,
    Instance,
    LambdaFunction,
)
from airlock.inventory.dns import FirewallRuleGroup, FirewallRuleGroupAssociation, ResolverRule
from airlock.inventory.encryption import (
    KmsKey,
    KmsReplicaKey,
    LogGroup,
    ReplicationRule,
    S3Bucket,
    Secret,
)
from airlock.inventory.identity import Role
from airlock.inventory.model import Unresolved
from airlock.inventory.operations import CodeArtifactRepository, EcrRepository

from .conftest import Loader, resources


def test_kms_keys(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Key:
          Type: AWS::KMS::Key
          Properties:
            EnableKeyRotation: "true"
            RotationPeriodInDays: 180
            MultiRegion: true
            KeyPolicy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}'
        DefaultPolicyKey:
          Type: AWS::KMS::Key
        Replica:
          Type: AWS::KMS::ReplicaKey
          Properties: {PrimaryKeyArn: !GetAtt Key.Arn, KeyPolicy: {Statement: []}}
        """),
        region="eu-west-1",
        account="111122223333",
    )
    key = inventory.get("Key", KmsKey)
    assert key is not None
    assert (key.rotation_enabled, key.rotation_period_days, key.multi_region) == (True, 180, True)
    assert key.arn == "arn:aws:kms:eu-west-1:111122223333:key/${Key}"
    assert (key.region, key.account) == ("eu-west-1", "111122223333")
    assert key.policy is not None and not isinstance(key.policy, Unresolved)
    assert key.policy["Statement"][0]["Principal"] == {"AWS": "*"}
    default = inventory.get("DefaultPolicyKey", KmsKey)
    assert default is not None and default.policy is None and default.rotation_enabled is None
    replica = inventory.get("Replica", KmsReplicaKey)
    assert replica is not None and replica.primary_key == "Key"


def test_s3_buckets_and_split_policies(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Audit:
          Type: AWS::S3::Bucket
          Properties:
            BucketName: audit-logs
            ObjectLockEnabled: true
            ObjectLockConfiguration:
              ObjectLockEnabled: Enabled
              Rule: {DefaultRetention: {Mode: GOVERNANCE, Years: 2}}
            BucketEncryption:
              ServerSideEncryptionConfiguration:
                - ServerSideEncryptionByDefault: {SSEAlgorithm: "aws:kms:dsse", KMSMasterKeyID: arn:aws:kms:eu-west-1:111122223333:key/abc}
            LifecycleConfiguration:
              Rules:
                - {Status: Disabled, ExpirationInDays: 1}
                - {Status: Enabled, ExpirationInDays: 400, NoncurrentVersionExpirationInDays: 90}
        AuditPolicy:
          Type: AWS::S3::BucketPolicy
          Properties:
            Bucket: audit-logs
            PolicyDocument:
              Statement:
                - {Effect: Deny, Principal: "*", Action: "s3:*", Resource: [!GetAtt Audit.Arn, !Sub "${Audit.Arn}/*"], Condition: {Bool: {aws:SecureTransport: false}}}
        Plain:
          Type: AWS::S3::Bucket
        ElsewherePolicy:
          Type: AWS::S3::BucketPolicy
          Properties: {Bucket: someone-elses-bucket, PolicyDocument: {Statement: []}}
        """)
    )
    audit = inventory.get("Audit", S3Bucket)
    assert audit is not None
    assert (audit.object_lock_enabled, audit.object_lock_mode, audit.object_lock_days) == (
        True,
        "GOVERNANCE",
        730,
    )
    assert (audit.sse_algorithm, audit.kms_key) == (
        "aws:kms:dsse",
        "arn:aws:kms:eu-west-1:111122223333:key/abc",
    )
    assert audit.lifecycle_expiration_days == 90
    assert audit.configured_by == ("AuditPolicy",)
    assert audit.policy is not None and not isinstance(audit.policy, Unresolved)
    assert audit.policy["Statement"][0]["Resource"] == [
        "arn:aws:s3:::audit-logs",
        "arn:aws:s3:::audit-logs/*",
    ]
    plain = inventory.get("Plain", S3Bucket)
    assert plain is not None
    assert (plain.sse_algorithm, plain.versioning, plain.policy, plain.bucket_name) == (
        None,
        None,
        None,
        None,
    )
    assert plain.arn == "arn:aws:s3:::${Plain}"
    assert any(g.resource_id == "ElsewherePolicy" for g in inventory.gaps)


def test_s3_bucket_replication(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Logs:
          Type: AWS::S3::Bucket
          Properties:
            VersioningConfiguration: {Status: Enabled}
            ReplicationConfiguration:
              Role: !GetAtt ReplicationRole.Arn
              Rules:
                - Id: to-archive
                  Status: Enabled
                  Priority: 1
                  Filter: {}
                  DeleteMarkerReplication: {Status: Disabled}
                  Destination:
                    Bucket: arn:aws:s3:::audit-archive
                    Account: "444455556666"
                    AccessControlTranslation: {Owner: Destination}
                - Status: Disabled
                  Prefix: legacy/
                  Destination: {Bucket: !GetAtt Copy.Arn}
                - Status: !Ref RuleStatus
                  Priority: 2
                  Filter: {And: {Prefix: p/, TagFilters: [{Key: env, Value: prod}]}}
                  DeleteMarkerReplication: {Status: Enabled}
                  Destination: {Bucket: !GetAtt Copy.Arn}
                - Status: Enabled
                  Filter: !Ref RuleFilter
                  Destination: {Bucket: !GetAtt Copy.Arn}
        Unknowable:
          Type: AWS::S3::Bucket
          Properties:
            ReplicationConfiguration: {Role: r, Rules: !Ref RuleList}
        Copy:
          Type: AWS::S3::Bucket
        ReplicationRole:
          Type: AWS::IAM::Role
          Properties: {AssumeRolePolicyDocument: {Statement: []}}
        """)
        + "Parameters: {RuleStatus: {Type: String}, RuleFilter: {Type: String}, RuleList: {Type: String}}\n"
    )
    logs = inventory.get("Logs", S3Bucket)
    assert logs is not None and isinstance(logs.replication, tuple)
    archive, legacy, tagged, unknowable = logs.replication
    assert archive == ReplicationRule(
        destination_bucket="arn:aws:s3:::audit-archive",
        destination_account="444455556666",
        owner_override=True,
        enabled=True,
        prefix=None,
        delete_markers=False,
        role="ReplicationRole",
        rule_id="to-archive",
        priority=1,
    )
    assert (legacy.enabled, legacy.prefix, legacy.destination_bucket) == (False, "legacy/", "Copy")
    assert (legacy.owner_override, legacy.destination_account) == (None, None)
    assert isinstance(tagged.enabled, Unresolved)
    assert (tagged.prefix, tagged.tag_filter, tagged.delete_markers) == ("p/", ("env=prod",), True)
    assert isinstance(unknowable.prefix, Unresolved) and unknowable.enabled is True
    unresolved = inventory.get("Unknowable", S3Bucket)
    assert unresolved is not None and isinstance(unresolved.replication, Unresolved)
    copy = inventory.get("Copy", S3Bucket)
    assert copy is not None and copy.replication is None


def test_trail_log_groups_metric_filters_alarms(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Trail:
          Type: AWS::CloudTrail::Trail
          Properties:
            IsLogging: true
            S3BucketName: !Ref TrailBucket
            KMSKeyId: !GetAtt Key.Arn
            IsOrganizationTrail: false
            CloudWatchLogsLogGroupArn: !GetAtt TrailLogs.Arn
            EventSelectors:
              - ReadWriteType: WriteOnly
                IncludeManagementEvents: true
                ExcludeManagementEventSources: [kms.amazonaws.com]
                DataResources:
                  - {Type: AWS::Bedrock::AgentAlias, Values: [!Sub "arn:aws:bedrock:${AWS::Region}:${AWS::AccountId}:agent-alias/*"]}
        SelectorsFromImport:
          Type: AWS::CloudTrail::Trail
          Properties: {IsLogging: true, S3BucketName: b, AdvancedEventSelectors: !ImportValue selectors}
        TrailBucket:
          Type: AWS::S3::Bucket
        Key:
          Type: AWS::KMS::Key
        TrailLogs:
          Type: AWS::Logs::LogGroup
          Properties: {KmsKeyId: !GetAtt Key.Arn, RetentionInDays: 365}
        Interventions:
          Type: AWS::Logs::MetricFilter
          Properties:
            LogGroupName: !Ref TrailLogs
            FilterPattern: '{ $.output.outputBodyJson.amazon-bedrock-guardrailAction = "INTERVENED" }'
            MetricTransformations: [{MetricName: GuardrailInterventions, MetricNamespace: Airlock, MetricValue: "1"}]
        InterventionAlarm:
          Type: AWS::CloudWatch::Alarm
          Properties: {MetricName: GuardrailInterventions, Namespace: Airlock, AlarmActions: [arn:aws:sns:eu-west-1:1:t]}
        MathAlarm:
          Type: AWS::CloudWatch::Alarm
          Properties:
            Metrics:
              - {Id: e1, Expression: m1 * 2}
              - Id: m1
                MetricStat:
                  Metric: {Namespace: AWS/Bedrock/Guardrails, MetricName: InvocationsIntervened}
                  Period: 300
                  Stat: Sum
        """)
    )
    trail = inventory.get("Trail", Trail)
    assert trail is not None
    assert (trail.s3_bucket, trail.kms_key, trail.cloudwatch_log_group) == (
        "TrailBucket",
        "Key",
        "TrailLogs",
    )
    assert (trail.logging, trail.organization_trail, trail.log_file_validation) == (
        True,
        False,
        None,
    )
    assert trail.advanced_event_selectors is None and trail.event_selectors is not None
    selector = trail.event_selectors[0]
    assert (selector.read_write_type, selector.include_management_events) == ("WriteOnly", True)
    assert selector.exclude_management_event_sources == ("kms.amazonaws.com",)
    assert selector.data_resources[0].values == (
        "arn:aws:bedrock:${AWS::Region}:${AWS::AccountId}:agent-alias/*",
    )
    imported = inventory.get("SelectorsFromImport", Trail)
    assert imported is not None and imported.selectors_unresolved is True
    logs = inventory.get("TrailLogs", LogGroup)
    assert logs is not None and (logs.kms_key, logs.retention_days, logs.name) == ("Key", 365, None)
    metric = inventory.get("Interventions", MetricFilter)
    assert metric is not None and metric.log_group == "TrailLogs"
    assert metric.metric_name == "GuardrailInterventions"
    alarm = inventory.get("InterventionAlarm", Alarm)
    assert alarm is not None
    assert alarm.metrics == (WatchedMetric("Airlock", "GuardrailInterventions"),)
    math = inventory.get("MathAlarm", Alarm)
    assert math is not None
    assert math.metrics == (WatchedMetric("AWS/Bedrock/Guardrails", "InvocationsIntervened"),)


def test_invocation_logging_custom_resource_in_any_style(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Logs:
          Type: AWS::S3::Bucket
          Properties: {BucketName: invocation-logs}
        Group:
          Type: AWS::Logs::LogGroup
          Properties: {LogGroupName: /bedrock/invocations}
        PascalCase:
          Type: AWS::CloudFormation::CustomResource
          Properties:
            ServiceToken: arn:aws:lambda:eu-west-1:1:function:f
            LoggingConfig:
              S3Config: {BucketName: !Ref Logs, KeyPrefix: raw/}
              TextDataDeliveryEnabled: "true"
              EmbeddingDataDeliveryEnabled: "false"
        CdkStyle:
          Type: Custom::AWS
          Properties:
            ServiceToken: arn:aws:lambda:eu-west-1:1:function:f
            Create: !Join
              - ""
              - - '{"service":"Bedrock","action":"putModelInvocationLoggingConfiguration","parameters":{"loggingConfig":{"cloudWatchConfig":{"logGroupName":"'
                - !Ref Group
                - '","roleArn":"'
                - !GetAtt Role.Arn
                - '","largeDataDeliveryS3Config":{"bucketName":"invocation-logs"}},"textDataDeliveryEnabled":false}}}'
        Role:
          Type: AWS::IAM::Role
          Properties: {AssumeRolePolicyDocument: {Statement: []}}
        SomethingElse:
          Type: Custom::Seeder
          Properties: {ServiceToken: x, Table: t}
        LambdaLogging:
          Type: Custom::AWS
          Properties:
            ServiceToken: arn:aws:lambda:eu-west-1:1:function:f
            Create: '{"service":"Lambda","action":"updateFunctionConfiguration","parameters":{"FunctionName":"f","LoggingConfig":{"LogFormat":"JSON","LogGroup":"/fn"}}}'
        OtherShape:
          Type: Custom::Settings
          Properties: {ServiceToken: x, LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: INFO}}
        """)
    )
    # another service's LoggingConfig is not Bedrock's invocation logging
    assert inventory.get("LambdaLogging", InvocationLogging) is None
    assert inventory.get("OtherShape", InvocationLogging) is None
    pascal = inventory.get("PascalCase", InvocationLogging)
    assert pascal is not None
    assert (pascal.s3_bucket, pascal.s3_key_prefix, pascal.log_group) == ("Logs", "raw/", None)
    assert (pascal.text_delivery, pascal.embedding_delivery, pascal.image_delivery) == (
        True,
        False,
        None,
    )
    cdk = inventory.get("CdkStyle", InvocationLogging)
    assert cdk is not None
    assert (cdk.log_group, cdk.cloudwatch_role, cdk.large_data_bucket) == ("Group", "Role", "Logs")
    assert cdk.text_delivery is False and cdk.s3_bucket is None
    assert inventory.get("SomethingElse", InvocationLogging) is None
    summary = next(g for g in inventory.gaps if g.scope == "unmodelled-types")
    assert "Custom::Seeder (SomethingElse)" in summary.reason


def test_lambda_and_sam_functions(load_yaml: Loader) -> None:
    inventory = load_yaml(
        """\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
        Globals:
          Function:
            Environment: {Variables: {STAGE: prod}}
        Resources:
          Outside:
            Type: AWS::Lambda::Function
            Properties:
              Role: arn:aws:iam::111122223333:role/existing
              KmsKeyArn: !GetAtt Key.Arn
              Environment:
                Variables: {AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, PORT: 443}
          Inside:
            Type: AWS::Lambda::Function
            Properties:
              Role: !GetAtt Role.Arn
              VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}
          FromParameter:
            Type: AWS::Lambda::Function
            Properties:
              Role: !GetAtt Role.Arn
              VpcConfig: {SubnetIds: !Ref Subnets, SecurityGroupIds: [sg-1]}
          EmptyVpc:
            Type: AWS::Lambda::Function
            Properties: {Role: r, VpcConfig: {SubnetIds: [], SecurityGroupIds: []}}
          Sam:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Environment: {Variables: {MODEL: claude}}
          Role:
            Type: AWS::IAM::Role
            Properties: {AssumeRolePolicyDocument: {Statement: []}}
          Key:
            Type: AWS::KMS::Key
        """
    )
    outside = inventory.get("Outside", LambdaFunction)
    assert outside is not None and outside.in_vpc is False and outside.subnets == ()
    assert outside.kms_key == "Key" and outside.role == "arn:aws:iam::111122223333:role/existing"
    assert outside.environment == {
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "PORT": "443",
    }
    inside = inventory.get("Inside", LambdaFunction)
    assert inside is not None and inside.in_vpc is True and inside.role == "Role"
    assert (inside.subnets, inside.security_groups) == (("subnet-1",), ("sg-1",))
    from_parameter = inventory.get("FromParameter", LambdaFunction)
    assert from_parameter is not None and isinstance(from_parameter.in_vpc, Unresolved)
    empty = inventory.get("EmptyVpc", LambdaFunction)
    assert empty is not None and empty.in_vpc is False
    sam = inventory.get("Sam", LambdaFunction)
    assert sam is not None and sam.environment == {"STAGE": "prod", "MODEL": "claude"}
    assert sam.role == "SamRole" and sam.in_vpc is False


def test_sam_functions_get_the_role_the_transform_generates(load_yaml: Loader) -> None:
    inventory = load_yaml(
        """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            PermissionsBoundary: arn:aws:iam::111122223333:policy/boundary
        Resources:
          Chat:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}
              Policies:
                - AmazonS3ReadOnlyAccess
                - !Ref Shared
                - Statement: [{Effect: Allow, Action: bedrock:InvokeModel, Resource: "*"}]
                - S3ReadPolicy: {BucketName: docs}
          Shared:
            Type: AWS::IAM::ManagedPolicy
            Properties: {PolicyDocument: {Statement: []}}
          Named:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Role: arn:aws:iam::111122223333:role/own}
        """
    )
    function = inventory.get("Chat", LambdaFunction)
    role = inventory.get("ChatRole", Role)
    assert function is not None and role is not None and function.role == "ChatRole"
    assert role.location is not None and role.location.line == function.location.line  # type: ignore[union-attr]
    assert role.permissions_boundary == "arn:aws:iam::111122223333:policy/boundary"
    assert role.managed_policies == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "Shared",
    )
    statement, template = role.inline_policies
    assert (
        isinstance(statement.document, dict)
        and statement.document["Statement"][0]["Action"] == "bedrock:InvokeModel"
    )
    assert isinstance(template.document, Unresolved) and "S3ReadPolicy" in template.document.reason
    assert isinstance(role.trust_policy, dict) and "lambda.amazonaws.com" in str(role.trust_policy)
    assert inventory.get("NamedRole", Role) is None


def test_a_sam_function_may_set_its_generated_role_s_trust_and_path(load_yaml: Loader) -> None:
    inventory = load_yaml(
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Edge:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              RolePath: /workloads/
              AssumeRolePolicyDocument:
                Statement: [{Effect: Allow, Principal: {Service: bedrock.amazonaws.com}, Action: sts:AssumeRole}]
        """
    )
    role = inventory.get("EdgeRole", Role)
    assert role is not None and "bedrock.amazonaws.com" in str(role.trust_policy)
    assert "lambda.amazonaws.com" not in str(role.trust_policy)
    assert isinstance(role.arn, str) and ":role/workloads/" in role.arn


def test_instances_enis_containers(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Template:
          Type: AWS::EC2::LaunchTemplate
          Properties:
            LaunchTemplateData:
              IamInstanceProfile: {Arn: !GetAtt Profile.Arn}
              EnclaveOptions: {Enabled: true}
              NetworkInterfaces: [{DeviceIndex: 0, AssociatePublicIpAddress: true, SubnetId: subnet-lt, Groups: [sg-lt]}]
        Profile:
          Type: AWS::IAM::InstanceProfile
          Properties: {Roles: [r]}
        FromTemplate:
          Type: AWS::EC2::Instance
          Properties: {LaunchTemplate: {LaunchTemplateId: !Ref Template, Version: "1"}}
        Direct:
          Type: AWS::EC2::Instance
          Properties:
            SubnetId: subnet-1
            SecurityGroupIds: [sg-1]
            UserData: !Base64 |
              #!/bin/bash
              export AWS_SECRET_ACCESS_KEY=abc123
              echo AKIAABCDEFGHIJKLMNOP
        Address:
          Type: AWS::EC2::EIP
          Properties: {InstanceId: !Ref Direct}
        Task:
          Type: AWS::ECS::TaskDefinition
          Properties:
            TaskRoleArn: !GetAtt Profile.Arn
            NetworkMode: awsvpc
            ContainerDefinitions:
              - Name: app
                Environment: [{Name: OPENAI_API_KEY, Value: sk-123}]
                Secrets: [{Name: DB_PASSWORD, ValueFrom: arn:aws:secretsmanager:eu-west-1:1:secret:db}]
        Service:
          Type: AWS::ECS::Service
          Properties:
            TaskDefinition: !Ref Task
            NetworkConfiguration: {AwsvpcConfiguration: {Subnets: [subnet-1], AssignPublicIp: ENABLED}}
        Cluster:
          Type: AWS::EKS::Cluster
          Properties:
            Name: c
            RoleArn: r
            ResourcesVpcConfig: {SubnetIds: [subnet-1], EndpointPublicAccess: false}
            EncryptionConfig: [{Resources: [secrets], Provider: {KeyArn: !GetAtt Key.Arn}}]
        Key:
          Type: AWS::KMS::Key
        """)
    )
    from_template = inventory.get("FromTemplate", Instance)
    assert from_template is not None
    assert (from_template.subnet, from_template.associate_public_ip) == ("subnet-lt", True)
    assert (from_template.instance_profile, from_template.enclave_enabled) == ("Profile", True)
    assert from_template.security_groups == ("sg-lt",) and from_template.configured_by == (
        "Template",
    )
    direct = inventory.get("Direct", Instance)
    assert direct is not None and direct.public_ip == "${Address}"
    assert direct.user_data_secrets == ("AWS_SECRET_ACCESS_KEY", "AWS access key id")
    task = inventory.get("Task", EcsTaskDefinition)
    assert task is not None and task.containers[0].environment == {"OPENAI_API_KEY": "sk-123"}
    assert task.containers[0].secrets == ("DB_PASSWORD",)
    service = inventory.get("Service", EcsService)
    assert service is not None and (service.task_definition, service.assign_public_ip) == (
        "Task",
        True,
    )
    cluster = inventory.get("Cluster", EksCluster)
    assert cluster is not None and (cluster.endpoint_public_access, cluster.secrets_kms_key) == (
        False,
        "Key",
    )


def test_bedrock_resources(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Kb:
          Type: AWS::Bedrock::KnowledgeBase
          Properties:
            Name: kb
            RoleArn: !GetAtt Role.Arn
            KnowledgeBaseConfiguration:
              Type: VECTOR
              VectorKnowledgeBaseConfiguration:
                EmbeddingModelArn: !Sub arn:aws:bedrock:${AWS::Region}::foundation-model/amazon.titan-embed-text-v2:0
            StorageConfiguration:
              Type: OPENSEARCH_SERVERLESS
              OpensearchServerlessConfiguration:
                CollectionArn: !GetAtt Collection.Arn
                VectorIndexName: i
                FieldMapping: {VectorField: v, TextField: t, MetadataField: m}
        Collection:
          Type: AWS::OpenSearchServerless::Collection
          Properties: {Name: vectors, Type: VECTORSEARCH}
        Source:
          Type: AWS::Bedrock::DataSource
          Properties:
            KnowledgeBaseId: !Ref Kb
            Name: docs
            ServerSideEncryptionConfiguration: {KmsKeyArn: !GetAtt Key.Arn}
            DataSourceConfiguration: {Type: S3, S3Configuration: {BucketArn: arn:aws:s3:::docs}}
        Profile:
          Type: AWS::Bedrock::ApplicationInferenceProfile
          Properties:
            InferenceProfileName: p
            ModelSource: {CopyFrom: !Sub "arn:aws:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0"}
        Agent:
          Type: AWS::Bedrock::Agent
          Properties:
            AgentName: a
            AgentResourceRoleArn: !GetAtt Role.Arn
            FoundationModel: !GetAtt Profile.InferenceProfileArn
            GuardrailConfiguration: {GuardrailIdentifier: !Ref Guardrail, GuardrailVersion: DRAFT}
        Guardrail:
          Type: AWS::Bedrock::Guardrail
          Properties:
            Name: g
            BlockedInputMessaging: b
            BlockedOutputsMessaging: b
            ContentPolicyConfig: {FiltersConfig: !ImportValue filters}
        Role:
          Type: AWS::IAM::Role
          Properties: {AssumeRolePolicyDocument: {Statement: []}}
        Key:
          Type: AWS::KMS::Key
        Secret:
          Type: AWS::SecretsManager::Secret
          Properties: {KmsKeyId: !Ref Key}
        """)
    )
    kb = inventory.get("Kb", KnowledgeBase)
    assert kb is not None and (kb.role, kb.vector_store, kb.storage_type) == (
        "Role",
        "Collection",
        "OPENSEARCH_SERVERLESS",
    )
    assert (
        kb.embedding_model
        == "arn:aws:bedrock:${AWS::Region}::foundation-model/amazon.titan-embed-text-v2:0"
    )
    source = inventory.get("Source", DataSource)
    assert source is not None and (source.knowledge_base, source.kms_key, source.bucket) == (
        "Kb",
        "Key",
        "arn:aws:s3:::docs",
    )
    agent = inventory.get("Agent", Agent)
    assert agent is not None and (agent.foundation_model, agent.guardrail, agent.role) == (
        "Profile",
        "Guardrail",
        "Role",
    )
    profile = inventory.get("Profile", InferenceProfile)
    assert profile is not None and profile.model_source is not None
    assert "inference-profile/eu.anthropic" in str(profile.model_source)
    assert any(g.resource_id == "Guardrail" and "filters" in g.reason for g in inventory.gaps)
    secret = inventory.get("Secret", Secret)
    assert secret is not None and secret.kms_key == "Key"


def test_dns_firewall_and_operations(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Allowed:
          Type: AWS::Route53Resolver::FirewallDomainList
          Properties: {Name: allowed, Domains: ["*.amazonaws.com"]}
        Rules:
          Type: AWS::Route53Resolver::FirewallRuleGroup
          Properties:
            FirewallRules:
              - {Action: ALLOW, FirewallDomainListId: !Ref Allowed, Priority: 0}
              - {Action: BLOCK, BlockResponse: NXDOMAIN, FirewallDomainListId: rslvr-fdl-managed, Priority: 200}
        Association:
          Type: AWS::Route53Resolver::FirewallRuleGroupAssociation
          Properties: {FirewallRuleGroupId: !GetAtt Rules.Id, VpcId: vpc-1, Priority: 101, MutationProtection: ENABLED}
        Forward:
          Type: AWS::Route53Resolver::ResolverRule
          Properties: {RuleType: FORWARD, DomainName: corp.example, TargetIps: [{Ip: 10.0.0.2, Port: "53"}]}
        Mirror:
          Type: AWS::CodeArtifact::Repository
          Properties: {RepositoryName: pypi, DomainName: d, ExternalConnections: [public:pypi]}
        Images:
          Type: AWS::ECR::Repository
          Properties: {EncryptionConfiguration: {EncryptionType: KMS, KmsKey: !Ref Key}}
        Key:
          Type: AWS::KMS::Key
        """)
    )
    rules = inventory.get("Rules", FirewallRuleGroup)
    assert rules is not None
    assert [(r.priority, r.action, r.domain_list) for r in rules.rules] == [
        (0, "ALLOW", "Allowed"),
        (200, "BLOCK", "rslvr-fdl-managed"),
    ]
    association = inventory.get("Association", FirewallRuleGroupAssociation)
    assert association is not None and (association.rule_group, association.priority) == (
        "Rules",
        101,
    )
    forward = inventory.get("Forward", ResolverRule)
    assert forward is not None and forward.target_ips == ("10.0.0.2",)
    mirror = inventory.get("Mirror", CodeArtifactRepository)
    assert mirror is not None and mirror.external_connections == ("public:pypi",)
    images = inventory.get("Images", EcrRepository)
    assert images is not None and (images.encryption_type, images.kms_key) == ("KMS", "Key")
