"""IAM mapping: roles, users, groups, split policies and attachments, organization policies."""

from __future__ import annotations

from airlock.inventory.identity import (
    AccessKey,
    Group,
    InstanceProfile,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    Role,
    ServiceSpecificCredential,
    User,
)
from airlock.inventory.model import Resource, Unresolved

from .conftest import Loader, resources

IAM = resources("""\
    AppRole:
      Type: AWS::IAM::Role
      Properties:
        RoleName: app
        MaxSessionDuration: 3600
        PermissionsBoundary: !Ref Boundary
        AssumeRolePolicyDocument:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Federated: !Ref Oidc}
              Action: sts:AssumeRoleWithWebIdentity
              Condition:
                StringEquals: {"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"}
        ManagedPolicyArns:
          - arn:aws:iam::aws:policy/AmazonBedrockFullAccess
          - !Ref Boundary
        Policies:
          - PolicyName: invoke
            PolicyDocument:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Action: bedrock:InvokeModel
                  Resource: !Sub arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/*
                  Condition:
                    StringEquals: {aws:SourceVpce: !Ref Endpoint}
    Endpoint:
      Type: AWS::EC2::VPCEndpoint
      Properties: {VpcId: vpc-1, ServiceName: com.amazonaws.eu-west-1.bedrock-runtime, VpcEndpointType: Interface}
    Boundary:
      Type: AWS::IAM::ManagedPolicy
      Properties:
        ManagedPolicyName: boundary
        Roles: [!Ref AppRole, external-role]
        Users: [!Ref Alice]
        PolicyDocument:
          Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
    Split:
      Type: AWS::IAM::Policy
      Properties:
        PolicyName: split
        Roles: [app]
        Groups: [!Ref Admins]
        PolicyDocument: {Statement: [{Effect: Deny, Action: "s3:DeleteObjectVersion", Resource: !Sub "${Bucket.Arn}/*"}]}
    RoleOnly:
      Type: AWS::IAM::RolePolicy
      Properties:
        RoleName: !Ref AppRole
        PolicyName: kms
        PolicyDocument: {Statement: [{Effect: Allow, Action: kms:Decrypt, Resource: !GetAtt Key.Arn}]}
    Bucket:
      Type: AWS::S3::Bucket
    Key:
      Type: AWS::KMS::Key
    Alice:
      Type: AWS::IAM::User
      Properties:
        UserName: alice
        LoginProfile: {Password: "{{resolve:secretsmanager:pw}}"}
        Groups: [!Ref Admins]
    Bob:
      Type: AWS::IAM::User
    BobInAdmins:
      Type: AWS::IAM::UserToGroupAddition
      Properties: {GroupName: !Ref Admins, Users: [!Ref Bob]}
    Admins:
      Type: AWS::IAM::Group
      Properties: {GroupName: admins}
    AliceKey:
      Type: AWS::IAM::AccessKey
      Properties: {UserName: !Ref Alice, Status: Active}
    ApiKey:
      Type: AWS::IAM::ServiceSpecificCredential
      Properties: {UserName: alice, ServiceName: bedrock.amazonaws.com}
    Profile:
      Type: AWS::IAM::InstanceProfile
      Properties: {Roles: [!Ref AppRole]}
    Oidc:
      Type: AWS::IAM::OIDCProvider
      Properties: {Url: https://token.actions.githubusercontent.com, ClientIdList: [sts.amazonaws.com]}
    DenyOutsideRegions:
      Type: AWS::Organizations::Policy
      Properties:
        Name: regions
        Type: SERVICE_CONTROL_POLICY
        TargetIds: [ou-abcd-1234]
        Content: '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}]}'
    TagPolicy:
      Type: AWS::Organizations::Policy
      Properties: {Name: tags, Type: TAG_POLICY, Content: {tags: {}}}
""")


def test_role_with_inline_split_and_managed_policies(load_yaml: Loader) -> None:
    inventory = load_yaml(IAM, account="111122223333")
    role = inventory.get("AppRole", Role)
    assert role is not None
    assert role.arn == "arn:aws:iam::111122223333:role/app" and role.region is None
    assert role.name == "app" and role.max_session_duration == 3600
    assert role.permissions_boundary == "Boundary"
    assert role.managed_policies == ("arn:aws:iam::aws:policy/AmazonBedrockFullAccess", "Boundary")
    assert role.trust_policy is not None and not isinstance(role.trust_policy, Unresolved)
    principal = role.trust_policy["Statement"][0]["Principal"]
    assert principal == {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    }
    names = [(p.name, p.origin) for p in role.inline_policies]
    assert names == [("invoke", "AppRole"), ("split", "Split"), ("kms", "RoleOnly")]
    invoke = role.inline_policies[0].document
    assert not isinstance(invoke, Unresolved)
    statement = invoke["Statement"][0]
    assert statement["Resource"] == "arn:aws:bedrock:${AWS::Region}::foundation-model/*"
    assert statement["Condition"]["StringEquals"]["aws:SourceVpce"] == "${Endpoint}"
    split = role.inline_policies[1].document
    assert not isinstance(split, Unresolved)
    assert split["Statement"][0]["Resource"] == "arn:aws:s3:::${Bucket}/*"
    kms = role.inline_policies[2].document
    assert not isinstance(kms, Unresolved)
    key = inventory.find(kms["Statement"][0]["Resource"], Resource)
    assert key is not None and key.id == "Key"
    assert set(role.configured_by) == {"Split", "RoleOnly", "Boundary"}


def test_managed_policy_attachments_both_ways(load_yaml: Loader) -> None:
    inventory = load_yaml(IAM)
    policy = inventory.get("Boundary", ManagedPolicy)
    assert policy is not None
    assert policy.roles == ("AppRole", "external-role") and policy.users == ("Alice",)
    assert policy.arn == "arn:aws:iam::${AWS::AccountId}:policy/boundary"
    alice = inventory.get("Alice", User)
    assert alice is not None and alice.managed_policies == ("Boundary",)
    assert alice.has_console_password is True and alice.groups == ("Admins",)
    bob = inventory.get("Bob", User)
    assert bob is not None and bob.groups == ("Admins",) and bob.has_console_password is False
    admins = inventory.get("Admins", Group)
    assert admins is not None and [p.name for p in admins.inline_policies] == ["split"]


def test_credentials_profiles_and_providers(load_yaml: Loader) -> None:
    inventory = load_yaml(IAM)
    key = inventory.get("AliceKey", AccessKey)
    assert key is not None and (key.user, key.status) == ("Alice", "Active")
    api_key = inventory.get("ApiKey", ServiceSpecificCredential)
    assert api_key is not None and api_key.user == "Alice"  # literal name mapped to its id
    assert api_key.service_name == "bedrock.amazonaws.com"
    profile = inventory.get("Profile", InstanceProfile)
    assert profile is not None and profile.roles == ("AppRole",)
    oidc = inventory.get("Oidc", OidcProvider)
    assert oidc is not None and oidc.client_ids == ("sts.amazonaws.com",)


def test_organization_policies(load_yaml: Loader) -> None:
    inventory = load_yaml(IAM)
    scp = inventory.get("DenyOutsideRegions", OrganizationPolicy)
    assert scp is not None and scp.policy_type == "SERVICE_CONTROL_POLICY"
    assert scp.targets == ("ou-abcd-1234",)
    assert scp.document is not None and not isinstance(scp.document, Unresolved)
    assert scp.document["Statement"][0]["Effect"] == "Deny"
    assert inventory.get("TagPolicy", OrganizationPolicy) is None
    summary = next(g for g in inventory.gaps if g.scope == "unmodelled-types")
    assert "AWS::Organizations::Policy (TagPolicy)" in summary.reason


def test_policy_attached_to_nothing_and_bad_json(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Loose:
          Type: AWS::IAM::Policy
          Properties: {PolicyName: p, PolicyDocument: {Statement: []}}
        Broken:
          Type: AWS::IAM::Role
          Properties:
            AssumeRolePolicyDocument: '{"Statement": [}'
        """)
    )
    assert any(g.resource_id == "Loose" for g in inventory.gaps)
    broken = inventory.get("Broken", Role)
    assert broken is not None and isinstance(broken.trust_policy, Unresolved)
    assert "not valid JSON" in broken.trust_policy.reason
