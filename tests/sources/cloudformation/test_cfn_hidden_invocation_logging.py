"""Custom resources that may configure model invocation logging without showing the request."""

from __future__ import annotations

from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.model import Inventory

from .conftest import Loader, resources

_HANDLER = """\
import boto3
def handler(event, context):
    boto3.client("bedrock").put_model_invocation_logging_configuration(loggingConfig={
        "s3Config": {"bucketName": event["ResourceProperties"]["BucketName"]}})
"""


def _hidden(inventory: Inventory) -> dict[str, str]:
    return {
        g.resource_id: g.reason
        for g in inventory.gaps
        if g.scope == "InvocationLogging" and g.resource_id is not None
    }


def test_a_custom_resource_named_for_invocation_logging_with_flat_properties(
    load_yaml: Loader,
) -> None:
    inventory = load_yaml(
        resources("""\
        ModelInvocationLogging:
          Type: Custom::BedrockModelInvocationLogging
          Properties:
            ServiceToken: arn:aws:lambda:eu-central-1:111122223333:function:put-logging
            BucketName: invocation-logs
            KeyPrefix: model-invocations
            TextDelivery: "true"
        Seeder:
          Type: Custom::Seeder
          Properties: {ServiceToken: x, Table: t}
        """)
    )
    assert inventory.of(InvocationLogging) == []
    hidden = _hidden(inventory)
    assert list(hidden) == ["ModelInvocationLogging"]
    assert (
        "may configure model invocation logging (its name says so)"
        in hidden["ModelInvocationLogging"]
    )


def test_a_service_token_whose_function_calls_the_api(load_yaml: Loader) -> None:
    # aws-samples/enable-bedrock-logging-using-cloudformation: only a ServiceToken, the
    # configuration lives in the function's code and environment
    code = "\n".join(f"                {line}" for line in _HANDLER.splitlines())
    inventory = load_yaml(
        resources(f"""\
        LoggingFunction:
          Type: AWS::Lambda::Function
          Properties:
            Runtime: python3.13
            Handler: index.handler
            Role: arn:aws:iam::111122223333:role/fn
            Code:
              ZipFile: |
{code}
            Environment:
              Variables: {{S3_BUCKET_NAME: invocation-logs}}
        rInvokeLambda:
          Type: AWS::CloudFormation::CustomResource
          Properties:
            ServiceToken: !GetAtt LoggingFunction.Arn
        OtherFunction:
          Type: AWS::Lambda::Function
          Properties:
            Runtime: python3.13
            Handler: index.handler
            Role: arn:aws:iam::111122223333:role/fn
            Code: {{ZipFile: "def handler(event, context): pass"}}
        Unrelated:
          Type: AWS::CloudFormation::CustomResource
          Properties:
            ServiceToken: !GetAtt OtherFunction.Arn
        """)
    )
    assert inventory.of(InvocationLogging) == []
    hidden = _hidden(inventory)
    assert list(hidden) == ["rInvokeLambda"]
    assert (
        "function LoggingFunction calls PutModelInvocationLoggingConfiguration"
        in hidden["rInvokeLambda"]
    )


def test_a_shown_configuration_and_other_services_logging_are_not_hidden(
    load_yaml: Loader,
) -> None:
    inventory = load_yaml(
        resources("""\
        InvocationLogging:
          Type: Custom::BedrockInvocationLogging
          Properties:
            ServiceToken: x
            LoggingConfig:
              S3Config: {BucketName: invocation-logs}
              TextDataDeliveryEnabled: "true"
        LambdaLogging:
          Type: Custom::AWS
          Properties:
            ServiceToken: x
            LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: INFO}
        BedrockLogGroupRetention:
          Type: Custom::LogRetention
          Properties: {ServiceToken: x, LogGroupName: /bedrock, RetentionInDays: 7}
        """)
    )
    assert [c.id for c in inventory.of(InvocationLogging)] == ["InvocationLogging"]
    # a Lambda LoggingConfig is neither a configuration nor a sign of one
    assert _hidden(inventory) == {}
