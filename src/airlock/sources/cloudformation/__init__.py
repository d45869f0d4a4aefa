"""CloudFormation templates (YAML or JSON) → :class:`~airlock.inventory.Inventory`.

``load(path, parameters=None, region=None, account=None)`` reads a template, resolves its
intrinsic functions, maps every resource type Airlock models, folds separately declared
resources into the ones they configure, and reports what it could not see as coverage gaps.
Bad input of any kind raises :class:`~airlock.errors.InputError` (one line, file and line);
the file is never modified.

Deploy-time values -- the representation other parts of Airlock rely on
----------------------------------------------------------------------------
A template leaves many values to deploy time. They are never guessed:

* **Parameters** take the caller's value (``parameters={"Env": "prod"}``), else their
  ``Default``; without either, or for SSM parameter types, they are ``Unresolved``.
* **Region and account** (``AWS::Region``, ``AWS::AccountId``) are ``Unresolved`` unless the
  caller pins them (``region=``, ``account=``, or ``parameters={"AWS::Region": ...}``).
  ``SourceInfo`` and every regional resource carry that region/account value. Other pseudo
  parameters: ``AWS::Partition`` is ``aws`` (or the pinned region's partition),
  ``AWS::URLSuffix`` follows it, ``AWS::StackName``/``StackId`` are deploy-time tokens,
  ``AWS::NoValue`` removes the property or list item.
* **Inside strings** (``Fn::Sub``, ``Fn::Join``) a pseudo parameter or a resource reference is
  kept as a *deploy-time token*, written exactly as ``Fn::Sub`` would: ``${AWS::Region}``,
  ``${AWS::AccountId}``, ``${AWS::StackName}``, ``${Key}`` (what ``Ref Key`` returns) and
  ``${Guardrail.GuardrailId}`` (a ``GetAtt``). So ``!Sub
  "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/x"`` becomes
  ``"arn:aws:bedrock:${AWS::Region}::foundation-model/x"`` -- partially known, still usable by
  controls that look at the service, resource type or model id. ``has_deploy_token`` /
  ``DEPLOY_TOKEN`` recognise them; IAM policy variables (``${aws:username}``, one colon)
  never match. A string that depends on something *unknowable* (an import, a parameter
  without default, ``Fn::GetAZs``...) is ``Unresolved`` as a whole, with a reason naming it.
* **References to template resources.** In a relation field (``Subnet.vpc``,
  ``Trail.kms_key``...) ``Ref X`` and identity attributes (``GetAtt X.Arn``, ``.Id``,
  ``.GroupId``, ``.KeyId``...) become the logical id ``X``, so relations join; a literal name
  or ARN that matches a template resource is also mapped to its logical id. Other attributes
  are ``Unresolved`` (or the property they mirror, e.g. ``GetAtt Vpc.CidrBlock``).
* **Inside policy documents** (key policies, bucket/endpoint policies, IAM documents, SCPs)
  references keep their deploy-time text: ``!GetAtt Key.Arn`` is the synthetic ARN
  ``arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}``, ``!Ref Bucket`` is the bucket
  name (literal, or ``${Bucket}``), ``!Ref AWS::AccountId`` is ``${AWS::AccountId}``. The
  inventory resource's ``arn`` is the same synthetic ARN and its ``aws_id`` the same
  ``Ref`` text (see :mod:`.identity`), so "this policy's Resource names that key" is string
  equality. With ``region``/``account`` pinned the tokens are replaced by the values. Values
  that cannot be named at all stay :class:`~airlock.inventory.Unresolved` *leaves inside the
  document*; policy evaluation must treat them as unknown. Policy documents given as JSON
  strings are parsed.

Conditions are evaluated (``Fn::Equals/And/Or/Not``, ``Condition``): a resource whose
condition is false is left out; one whose condition cannot be evaluated is kept with a
coverage gap, and ``Fn::If`` on such a condition is ``Unresolved`` unless both branches agree.

What AWS adds implicitly (main route table, default network ACL, default security group,
local routes, the default allow-all egress rule) is made explicit: see :mod:`.implicit` and
:mod:`.mapping.firewall`. Duplicate keys are refused (CloudFormation refuses them too).
Types Airlock does not model are summarised in one coverage gap (only the families that could
matter to a private Bedrock deployment); nested stacks and macros each get a gap. Under the
``AWS::LanguageExtensions`` transform, ``Fn::ForEach`` loops are expanded (:mod:`.foreach`);
one whose collection cannot be resolved gets a gap. SAM functions get the role the transform
generates (:mod:`.sam`).
"""

from __future__ import annotations

from collections.abc import Mapping

from airlock.inventory.model import DEPLOY_TOKEN, Inventory, has_deploy_token
from airlock.sources.cloudformation.loader import load_template


def load(
    path: str,
    parameters: Mapping[str, str] | None = None,
    region: str | None = None,
    account: str | None = None,
) -> Inventory:
    """Load a CloudFormation template into an inventory (see the module docstring)."""
    return load_template(path, parameters, region, account)


__all__ = ["DEPLOY_TOKEN", "has_deploy_token", "load"]
