"""Resolve intrinsic functions, parameters, pseudo parameters and conditions.

``resolve`` turns raw template data into plain data whose leaves may also be a
:class:`~airlock.sources.cloudformation.values.Symbol` (a deploy-time value we can name), an
:class:`~airlock.inventory.Unresolved` (one we cannot), and never ``AWS::NoValue`` (removed).
The functions other than ``Ref``/``Fn::GetAtt``/``Fn::Sub`` live in :mod:`.functions`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from airlock.inventory.model import Unresolved
from airlock.inventory.network import DEFAULT_NETWORK_ACL_SUFFIX, DEFAULT_SECURITY_GROUP_SUFFIX
from airlock.sources.cloudformation.identity import RefKind, identity_of
from airlock.sources.cloudformation.template import Declaration, Template
from airlock.sources.cloudformation.values import NO_VALUE, Symbol

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")

Function = Callable[["Resolver", Any], Any]


def partition_of(region: str | None) -> str:
    """The partition of a region; ``aws`` when the region is not known (see the docstring)."""
    if region is None:
        return "aws"
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"


def render(value: Any) -> str | Unresolved:
    """A resolved scalar as it appears inside a string (``Fn::Sub``, ``Fn::Join``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Symbol):
        return value.text
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is NO_VALUE:
        return Unresolved("AWS::NoValue cannot be part of a string")
    return Unresolved("a list or mapping cannot be part of a string")


class Resolver:
    """Evaluates one template; every result is memoised where it is costly."""

    def __init__(
        self,
        template: Template,
        overrides: Mapping[str, str],
        region: str | None,
        account: str | None,
        functions: Mapping[str, Function],
    ) -> None:
        self.template = template
        self.declared: dict[str, Declaration] = {d.logical_id: d for d in template.resources}
        self.overrides = overrides
        self.region = region
        self.account = account
        self.partition = overrides.get("AWS::Partition") or partition_of(region)
        self.functions = functions
        #: logical ids whose Condition is false (not created), with the reason
        self.excluded: dict[str, str] = {}
        self._parameters: dict[str, Any] = {}
        self._conditions: dict[str, bool | Unresolved] = {}
        self._evaluating: set[str] = set()
        self._names: dict[str, str | None] = {}
        self._naming: set[str] = set()
        self._getatts: set[tuple[str, str]] = set()

    # -- generic walk ---------------------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1:
                key = next(iter(node))
                if key == "Ref":
                    return self.ref(node[key])
                if key.startswith("Fn::"):
                    function = self.functions.get(key)
                    if function is None:
                        return Unresolved(f"{key} is not a supported intrinsic function")
                    return function(self, node[key])
            out: dict[str, Any] = {}
            for key, value in node.items():
                resolved = self.resolve(value)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(node, list):
            items: list[Any] = []
            for value in node:
                resolved = self.resolve(value)
                if resolved is not NO_VALUE:
                    items.append(resolved)
            return items
        return node

    def argument(self, node: Any) -> Any:
        """Resolve a function argument: ``AWS::NoValue`` is not a value there."""
        value = self.resolve(node)
        if value is NO_VALUE:
            return Unresolved("AWS::NoValue is used where a value is needed")
        return value

    # -- pseudo parameters ----------------------------------------------------------------
    def region_text(self) -> str:
        return self.overrides.get("AWS::Region") or self.region or "${AWS::Region}"

    def account_text(self) -> str:
        return self.overrides.get("AWS::AccountId") or self.account or "${AWS::AccountId}"

    def pseudo(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        override = self.overrides.get(name)
        if override is not None:
            return override
        if name == "AWS::Region":
            return self.region or Symbol("${AWS::Region}", "AWS::Region is chosen at deploy time")
        if name == "AWS::AccountId":
            return self.account or Symbol(
                "${AWS::AccountId}", "AWS::AccountId is the account the stack is deployed to"
            )
        if name == "AWS::Partition":
            return self.partition
        if name == "AWS::URLSuffix":
            return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
        if name in ("AWS::StackName", "AWS::StackId"):
            return Symbol("${" + name + "}", f"{name} is chosen at deploy time")
        if name == "AWS::NotificationARNs":
            return Unresolved("AWS::NotificationARNs is set at deploy time")
        return Unresolved(f"Ref {name}: not a pseudo parameter")

    # -- Ref ------------------------------------------------------------------------------
    def ref(self, argument: Any) -> Any:
        if isinstance(argument, dict):
            argument = self.resolve(argument)
        if not isinstance(argument, str):
            return Unresolved("Ref needs the name of a parameter or resource")
        if argument.startswith("AWS::"):
            return self.pseudo(argument)
        if argument in self.template.parameters:
            return self.parameter(argument)
        if argument in self.declared:
            if argument in self.excluded:
                return Unresolved(f"Ref {argument}: {self.excluded[argument]}")
            return Symbol(
                self.ref_text(argument),
                f"Ref {argument}: its physical id is assigned at deploy time",
                target=argument,
            )
        return Unresolved(f"Ref {argument}: no parameter or resource of that name")

    def parameter(self, name: str) -> Any:
        if name in self._parameters:
            return self._parameters[name]
        spec = self.template.parameters[name]
        kind = spec.get("Type", "String")
        single = isinstance(kind, str) and _one_scalar(kind)
        kind = kind if isinstance(kind, str) else "String"
        value: Any
        if name in self.overrides:
            value = _typed_parameter(kind, self.overrides[name])
        elif kind.startswith("AWS::SSM::Parameter::Value<"):
            reason = f"parameter {name} is read from SSM Parameter Store at deploy time"
            value = Unresolved(reason, single=single)
        elif "Default" in spec and spec["Default"] is not None:
            value = _typed_parameter(kind, spec["Default"])
        else:
            reason = f"parameter {name} has no default; its value is set at deploy time"
            value = Unresolved(reason, single=single)
        self._parameters[name] = value
        return value

    # -- names, ids and ARNs of template resources ----------------------------------------
    def name_text(self, logical_id: str) -> str | None:
        """The resource's name property as a string, when the template sets it."""
        if logical_id in self._names:
            return self._names[logical_id]
        declaration = self.declared[logical_id]
        identity = identity_of(declaration.type)
        found: str | None = None
        prop = identity.name_property
        if prop is not None and prop in declaration.properties and logical_id not in self._naming:
            self._naming.add(logical_id)
            try:
                value = self.resolve(declaration.properties[prop])
            finally:
                self._naming.discard(logical_id)
            rendered = render(value) if not isinstance(value, list | dict) else None
            if isinstance(rendered, str):
                found = rendered
                if identity.strip_prefix and found.startswith(identity.strip_prefix):
                    found = found[len(identity.strip_prefix) :]
        self._names[logical_id] = found
        return found

    def _name_part(self, logical_id: str) -> str:
        identity = identity_of(self.declared[logical_id].type)
        name = self.name_text(logical_id)
        if name is not None:
            return name
        if identity.ref is RefKind.ARN or identity.id_attribute is not None:
            return "${" + f"{logical_id}.{identity.id_attribute or 'Name'}" + "}"
        return "${" + logical_id + "}"

    def _parent_part(self, logical_id: str) -> str | None:
        """The ARN of the resource this one lives under (an id goes into ``parent_arn``)."""
        declaration = self.declared[logical_id]
        identity = identity_of(declaration.type)
        prop = identity.parent_property
        if prop is None or prop not in declaration.properties or logical_id in self._naming:
            return None
        self._naming.add(logical_id)
        try:
            text = render(self.resolve(declaration.properties[prop]))
        finally:
            self._naming.discard(logical_id)
        if not isinstance(text, str):
            return None
        if identity.parent_arn is not None and not text.startswith("arn:"):
            text = identity.parent_arn.format(
                partition=self.partition,
                region=self.region_text(),
                account=self.account_text(),
                name=text,
            )
        return text

    def arn_text(self, logical_id: str) -> str | None:
        """The resource's ARN with deploy-time tokens, when its format is known."""
        declaration = self.declared[logical_id]
        identity = identity_of(declaration.type)
        if identity.arn is None:
            return None
        parent = self._parent_part(logical_id) if identity.parent_property else ""
        if parent is None:
            return None  # its ARN holds a parent Airlock cannot name
        path = "/"
        if identity.path_property and identity.path_property in declaration.properties:
            resolved = render(self.resolve(declaration.properties[identity.path_property]))
            path = resolved if isinstance(resolved, str) else "/"
        return identity.arn.format(
            partition=self.partition,
            region=self.region_text(),
            account=self.account_text(),
            path=path,
            name=self._name_part(logical_id),
            parent=parent,
        )

    def ref_text(self, logical_id: str) -> str:
        """What ``Ref`` returns, as written inside a string."""
        identity = identity_of(self.declared[logical_id].type)
        if identity.ref is RefKind.NAME:
            return self._name_part(logical_id)
        if identity.ref is RefKind.ARN:
            arn = self.arn_text(logical_id)
            if arn is not None:
                return arn
        return "${" + logical_id + "}"

    def physical_id(self, logical_id: str) -> str:
        """The resource's own name or id (not its ARN), as written inside a string."""
        if identity_of(self.declared[logical_id].type).ref is RefKind.ARN:
            return self._name_part(logical_id)
        return self.ref_text(logical_id)

    # -- Fn::GetAtt -----------------------------------------------------------------------
    def get_att(self, argument: Any) -> Any:
        attribute: str | Unresolved
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        elif isinstance(argument, list) and len(argument) == 2:
            logical_id = argument[0]
            attribute = render(self.resolve(argument[1]))
        else:
            return Unresolved("Fn::GetAtt needs [resource, attribute]")
        if not isinstance(logical_id, str) or not isinstance(attribute, str) or not attribute:
            return Unresolved("Fn::GetAtt needs [resource, attribute]")
        expression = f"Fn::GetAtt {logical_id}.{attribute}"
        declaration = self.declared.get(logical_id)
        if declaration is None:
            return Unresolved(f"{expression}: no resource {logical_id}")
        if logical_id in self.excluded:
            return Unresolved(f"{expression}: {self.excluded[logical_id]}")
        reason = f"{expression} is known only after deployment"
        identity = identity_of(declaration.type)
        if identity.identifies(attribute):
            if attribute in identity.arn_attributes:
                text = self.arn_text(logical_id) or "${" + f"{logical_id}.{attribute}" + "}"
            elif attribute in identity.ref_attributes:
                text = self.ref_text(logical_id)
            else:
                text = "${" + f"{logical_id}.{attribute}" + "}"
            return Symbol(text, reason, target=logical_id)
        token = "${" + f"{logical_id}.{attribute}" + "}"
        if declaration.type == "AWS::EC2::VPC" and attribute in _VPC_DEFAULTS:
            return Symbol(token, reason, target=f"{logical_id}{_VPC_DEFAULTS[attribute]}")
        if attribute in declaration.properties and (logical_id, attribute) not in self._getatts:
            self._getatts.add((logical_id, attribute))
            try:
                return self.resolve(declaration.properties[attribute])
            finally:
                self._getatts.discard((logical_id, attribute))
        return Symbol(token, reason)

    # -- Fn::Sub --------------------------------------------------------------------------
    def sub(self, argument: Any) -> Any:
        variables: Mapping[str, Any] = {}
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            text, variables = argument[0], argument[1]
        else:
            text = argument
        if isinstance(text, dict):
            text = self.resolve(text)
        if not isinstance(text, str):
            return Unresolved("Fn::Sub needs a string")
        parts: list[str] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            name = match.group(1)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
                continue
            if name in variables:
                value = self.resolve(variables[name])
            elif "." in name and not name.startswith("AWS::"):
                value = self.get_att(name)
            else:
                value = self.ref(name)
            rendered = render(value)
            if isinstance(rendered, Unresolved):
                return Unresolved(f"Fn::Sub '{_short(text)}': {rendered.reason}")
            parts.append(rendered)
        parts.append(text[position:])
        return "".join(parts)

    # -- conditions -----------------------------------------------------------------------
    def condition(self, name: Any) -> bool | Unresolved:
        """Evaluate a named condition: True, False, or Unresolved (with the reason)."""
        if not isinstance(name, str):
            return Unresolved("a condition must be named by a string")
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.template.conditions:
            return Unresolved(f"condition {name} is not defined")
        if name in self._evaluating:
            return Unresolved(f"condition {name} refers to itself")
        self._evaluating.add(name)
        try:
            result = self.condition_expression(self.template.conditions[name])
        finally:
            self._evaluating.discard(name)
        if isinstance(result, Unresolved):
            result = Unresolved(f"condition {name} cannot be evaluated: {result.reason}")
        self._conditions[name] = result
        return result

    def condition_expression(self, node: Any) -> bool | Unresolved:
        if isinstance(node, dict) and len(node) == 1 and "Condition" in node:
            return self.condition(node["Condition"])
        value = self.resolve(node)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, Symbol):
            return Unresolved(value.reason)
        return Unresolved("not a boolean expression")


_VPC_DEFAULTS = {
    "DefaultNetworkAcl": DEFAULT_NETWORK_ACL_SUFFIX,
    "DefaultSecurityGroup": DEFAULT_SECURITY_GROUP_SUFFIX,
}


def _one_scalar(kind: str) -> bool:
    """Whether a parameter of this type is exactly one value (a String, a Number, a VPC id,
    an SSM String), not a list (``CommaDelimitedList``, ``List<...>``)."""
    ssm = "AWS::SSM::Parameter::Value<"
    inner = kind.removeprefix(ssm).removesuffix(">") if kind.startswith(ssm) else kind
    return inner in ("String", "Number") or (inner.startswith("AWS::") and "List<" not in inner)


def _typed_parameter(kind: str, raw: Any) -> Any:
    if kind.startswith("List<") or kind == "CommaDelimitedList":
        if isinstance(raw, list):
            return [_scalar_text(item) for item in raw]
        text = _scalar_text(raw)
        return text.split(",") if text else []
    return _scalar_text(raw)


def _scalar_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
