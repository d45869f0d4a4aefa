"""The execution roles the SAM transform generates.

An ``AWS::Serverless::Function`` without ``Role`` gets a role named ``<Function>Role`` at
deploy time: trusted by Lambda (or as its ``AssumeRolePolicyDocument`` says, under its
``RolePath``), with AWSLambdaBasicExecutionRole (and
AWSLambdaVPCAccessExecutionRole when the function is in a VPC), every managed policy and
inline statement of the function's ``Policies``, and its ``PermissionsBoundary``. Adding that
role to the template as the transform would lets every control judge it like any other role.
SAM policy templates (``S3ReadPolicy: {...}``) are not expanded: each becomes an inline policy
whose document is unresolved, so what depends on it is UNKNOWN, never PASS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec.structs import replace

from airlock.inventory.model import Unresolved
from airlock.sources.cloudformation.template import Declaration, Template

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
_MANAGED = "arn:${AWS::Partition}:iam::aws:policy/"
_BASIC = _MANAGED + "service-role/AWSLambdaBasicExecutionRole"
_VPC_ACCESS = _MANAGED + "service-role/AWSLambdaVPCAccessExecutionRole"
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
        }
    ],
}


def with_implicit_roles(template: Template) -> Template:
    """The template with the role SAM generates for each function that names none."""
    taken = {d.logical_id for d in template.resources}
    shared = template.globals.get("Function")
    defaults: Mapping[str, Any] = shared if isinstance(shared, dict) else {}
    resources: list[Declaration] = []
    for declaration in template.resources:
        props = declaration.properties
        role_id = f"{declaration.logical_id}Role"
        if (
            declaration.type != SERVERLESS_FUNCTION
            or not isinstance(props, dict)
            or "Role" in props
            or role_id in taken
        ):
            resources.append(declaration)
            continue
        role = Declaration(
            logical_id=role_id,
            type="AWS::IAM::Role",
            properties=_role_properties(role_id, {**defaults, **props}),
            condition=declaration.condition,
            line=declaration.line,
        )
        function = replace(
            declaration, properties={**props, "Role": {"Fn::GetAtt": [role_id, "Arn"]}}
        )
        resources += [function, role]
        taken.add(role_id)
    if len(resources) == len(template.resources):
        return template
    return replace(template, resources=tuple(resources))


def _role_properties(role_id: str, function: Mapping[str, Any]) -> dict[str, Any]:
    managed: list[Any] = [{"Fn::Sub": _BASIC}]
    if function.get("VpcConfig") is not None:
        managed.append({"Fn::Sub": _VPC_ACCESS})
    inline: list[dict[str, Any]] = []
    policies = function.get("Policies", [])
    for item in policies if isinstance(policies, list) else [policies]:
        name = f"{role_id}Policy{len(inline)}"
        if isinstance(item, str):
            managed.append(item if item.startswith("arn:") else {"Fn::Sub": _MANAGED + item})
        elif isinstance(item, dict) and "Statement" in item:
            inline.append({"PolicyName": name, "PolicyDocument": item})
        elif isinstance(item, dict) and len(item) == 1 and _intrinsic(next(iter(item))):
            managed.append(item)  # a managed policy ARN from Ref, GetAtt, Sub, ImportValue...
        else:
            template = next(iter(item)) if isinstance(item, dict) and item else repr(item)
            why = f"SAM policy template {template} is not expanded"
            inline.append({"PolicyName": name, "PolicyDocument": Unresolved(why)})
    properties: dict[str, Any] = {
        # a function may set the trust policy SAM writes (AssumeRolePolicyDocument)
        "AssumeRolePolicyDocument": function.get("AssumeRolePolicyDocument", _LAMBDA_TRUST),
        "ManagedPolicyArns": managed,
        "Policies": inline,
    }
    if "PermissionsBoundary" in function:
        properties["PermissionsBoundary"] = function["PermissionsBoundary"]
    if "RolePath" in function:
        properties["Path"] = function["RolePath"]
    return properties


def _intrinsic(key: str) -> bool:
    return key == "Ref" or key.startswith("Fn::")
