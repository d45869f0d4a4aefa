"""Region and account of each resource: its own ARN or ``region`` argument, else its provider.

A provider's region is read from its configuration when it is a constant or a root variable
(``region = var.region``); an aws provider without a ``region`` takes it from the environment
at plan time, which the plan does not record -- that is an :class:`Unresolved` region. The
account comes from the resource's ARN, the provider's ``assume_role.role_arn`` or single
``allowed_account_ids``, ``data.aws_caller_identity``, or the ARNs of the other resources.

The configuration records an expression that is not a constant only by its ``references``:
``var.role_arn`` and ``"arn:aws:iam::${var.account}:role/x"`` both read ``["var.x"]``. A
variable is taken as the whole value only when its value already has the value's shape (a
region name, an ARN, account IDs), so a piece of a template is never read as the whole.

A provider that chooses credentials of its own (``assume_role``, ``profile``, keys ...) works
in an account the workload's credentials do not show: when its configuration does not name
that account either, its resources get an :class:`Unresolved` account, never the workload's.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from msgspec import Struct

from airlock.inventory.model import Unresolved, Val
from airlock.sources.terraform_plan.addresses import RefKind, parse_module, parse_reference
from airlock.sources.terraform_plan.plan import Plan, PlanResource, as_dict, as_list, references

_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-[0-9]+$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")


def arn_region_account(value: object) -> tuple[str, str] | None:
    """(region, account) of an ARN; either may be empty (IAM has no region, S3 no account)."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6:
        return None
    return parts[3], parts[4]


#: provider arguments that choose the credentials, hence the account, a provider works in
_CREDENTIALS = (
    "access_key",
    "secret_key",
    "token",
    "profile",
    "shared_config_files",
    "shared_credentials_files",
    "assume_role",
    "assume_role_with_web_identity",
)


class ProviderFacts(Struct, frozen=True):
    region: Val[str]
    #: the provider's account when its configuration shows it; Unresolved when it chooses
    #: credentials of its own that do not show it; None when it shares the workload's
    account: Val[str] | None = None


class Providers:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._facts: dict[str, ProviderFacts] = {}
        self.default_key = "aws"
        #: provider key -> the accounts its root-module ``data.aws_caller_identity`` read
        self._callers: dict[str, set[str]] = {}
        for data in self.plan.data.values():
            account = data.values.get("account_id")
            if data.type != "aws_caller_identity" or data.module or not isinstance(account, str):
                continue
            # data sources read while planning carry no configuration of their own
            config = data.config or plan.config_of(data.module, data.where.local)
            key = config.provider_key if config and config.provider_key else self.default_key
            if _ACCOUNT.match(account):
                self._callers.setdefault(key, set()).add(account)
        self.source_account = self._source_account()

    def key_of(self, resource: PlanResource) -> str:
        if resource.config is not None and resource.config.provider_key:
            return resource.config.provider_key
        return self.default_key

    def facts(self, key: str) -> ProviderFacts:
        if key not in self._facts:
            self._facts[key] = self._read(key)
        return self._facts[key]

    def region_of(self, resource: PlanResource) -> Val[str]:
        own = resource.values.get("region")
        if isinstance(own, str) and _REGION.match(own):
            return own
        parts = arn_region_account(resource.values.get("arn"))
        if parts is not None and _REGION.match(parts[0]):
            return parts[0]
        return self.facts(self.key_of(resource)).region

    def account_of(self, resource: PlanResource) -> Val[str] | None:
        parts = arn_region_account(resource.values.get("arn"))
        if parts is not None and _ACCOUNT.match(parts[1]):
            return parts[1]
        facts = self.facts(self.key_of(resource))
        if facts.account is not None:
            return facts.account
        return self.source_account if isinstance(self.source_account, str) else None

    def source_region(self) -> Val[str]:
        return self.facts(self.default_key).region

    def _read(self, key: str) -> ProviderFacts:
        config = self.plan.providers.get(key)
        if config is None:
            account = self._account(key, {}, "")
            if not self.plan.has_configuration:
                reason = "the plan has no configuration section to read the provider region from"
                return ProviderFacts(Unresolved(reason), account)
            reason = f"provider {key!r} is not in the plan's configuration"
            return ProviderFacts(Unresolved(reason), account)
        expressions = as_dict(config.get("expressions"))
        module = str(config.get("module_address") or "")
        region: Val[str]
        if "region" not in expressions:
            region = Unresolved(
                f"provider {key!r} sets no region: it comes from the environment at plan time"
            )
        else:
            value = self._constant(expressions["region"], module)
            if isinstance(value, str) and _REGION.match(value):
                region = value
            else:
                region = Unresolved(f"the region of provider {key!r} is not a constant in the plan")
        return ProviderFacts(region, self._account(key, expressions, module))

    def _account(self, key: str, expressions: dict[str, Any], module: str) -> Val[str] | None:
        named = self._named_account(expressions, module)
        if named is not None:
            return named
        callers = self._callers.get(key, set())
        if len(callers) == 1:
            return next(iter(callers))
        if key == self.default_key or self._shares_credentials(expressions):
            return None
        return Unresolved(
            f"provider {key!r} has credentials of its own (assume_role, profile or keys) "
            "whose account its configuration does not show"
        )

    def _shares_credentials(self, expressions: dict[str, Any]) -> bool:
        """Whether a provider picks its credentials as the default provider does."""
        default = as_dict(as_dict(self.plan.providers.get(self.default_key)).get("expressions"))
        return all(expressions.get(name) == default.get(name) for name in _CREDENTIALS)

    def _named_account(self, expressions: dict[str, Any], module: str) -> str | None:
        for block in as_list(expressions.get("assume_role")) or [expressions.get("assume_role")]:
            role = self._constant(as_dict(block).get("role_arn"), module)
            parts = arn_region_account(role)
            if parts is not None and _ACCOUNT.match(parts[1]):
                return parts[1]
        # Terraform refuses to plan when the provider's account is not listed, so a list of
        # one account names it.
        listed = self._listed_accounts(expressions.get("allowed_account_ids"), module)
        if listed is not None and len(listed) == 1:
            return next(iter(listed))
        return None

    def _listed_accounts(self, expression: object, module: str) -> set[str] | None:
        """The account IDs of a constant list, or of the variables it refers to, when known.

        References are enough: whether written ``var.ids`` or ``[var.a, var.b]``, the
        accounts are those of the variables.
        """
        if "constant_value" in as_dict(expression):
            values = [as_dict(expression)["constant_value"]]
        else:
            names = references(expression)
            values = [self._variable({"references": [name]}, module) for name in names]
        found: set[str] = set()
        for value in values:
            items = value if isinstance(value, list) else [value]
            if not items or not all(isinstance(v, str) and _ACCOUNT.match(v) for v in items):
                return None
            found.update(str(v) for v in items)
        return found or None

    def _constant(self, expression: object, module: str) -> object:
        """The value of a constant, or of a variable whose value is a region name or an ARN.

        Any other value of a variable may be a piece of a template (``"...${var.account}..."``),
        which the configuration does not tell apart from the variable itself.
        """
        value = self._variable(expression, module)
        if "constant_value" in as_dict(expression):
            return value
        if isinstance(value, str) and (_REGION.match(value) or arn_region_account(value)):
            return value
        return None

    def _variable(self, expression: object, module: str, depth: int = 0) -> object:
        """The value of a constant, or of the one whole variable an expression refers to."""
        expression = as_dict(expression)
        if "constant_value" in expression:
            return expression["constant_value"]
        refs = [r for r in (parse_reference(x) for x in references(expression)) if r is not None]
        if len(refs) != 1 or refs[0].kind is not RefKind.VAR or depth > 8:
            return None
        if refs[0].attr is not None or refs[0].subkey is not None:
            return None
        name = refs[0].name
        path = parse_module(module)
        if not path:
            return self.plan.variables.get(name)
        parent, step = path[:-1], path[-1]
        call = self.plan.module_calls.get((tuple(s.name for s in parent), step.name))
        if call is None:
            return None
        parent_text = ".".join(f"module.{s.name}" for s in parent)
        return self._variable(call.expressions.get(name), parent_text, depth + 1)

    def _source_account(self) -> Val[str] | None:
        explicit = self.facts(self.default_key).account
        if explicit is not None:
            return explicit
        seen: Counter[str] = Counter()
        for resource in self.plan.live():
            if self.facts(self.key_of(resource)).account is not None:
                continue  # a provider with an account of its own shows nothing of the workload's
            parts = arn_region_account(resource.values.get("arn"))
            if parts is not None and _ACCOUNT.match(parts[1]):
                seen[parts[1]] += 1
        if len(seen) == 1:
            return next(iter(seen))
        if len(seen) > 1:
            listed = ", ".join(sorted(seen))
            return Unresolved(f"the plan's resources are in several accounts ({listed})")
        return None
