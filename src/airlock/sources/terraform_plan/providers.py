"""Region and account of each resource: its own ARN or ``region`` argument, else its provider.

A provider's region is read from its configuration when it is a constant or a root variable
(``region = var.region``); an aws provider without a ``region`` takes it from the environment
at plan time, which the plan does not record -- that is an :class:`Unresolved` region. The
account comes from the resource's ARN, the provider's ``assume_role.role_arn`` or single
``allowed_account_ids``, ``data.aws_caller_identity``, or the ARNs of the other resources.
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


class ProviderFacts(Struct, frozen=True):
    region: Val[str]
    #: the account the provider assumes a role in, when the configuration says so
    account: str | None = None


class Providers:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._facts: dict[str, ProviderFacts] = {}
        self.default_key = "aws"
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
            if not self.plan.has_configuration:
                return ProviderFacts(
                    Unresolved(
                        "the plan has no configuration section to read the provider region from"
                    )
                )
            return ProviderFacts(Unresolved(f"provider {key!r} is not in the plan's configuration"))
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
        return ProviderFacts(region, self._assumed_account(expressions, module))

    def _assumed_account(self, expressions: dict[str, Any], module: str) -> str | None:
        for block in as_list(expressions.get("assume_role")) or [expressions.get("assume_role")]:
            role = self._constant(as_dict(block).get("role_arn"), module)
            parts = arn_region_account(role)
            if parts is not None and _ACCOUNT.match(parts[1]):
                return parts[1]
        allowed = self._constant(expressions.get("allowed_account_ids"), module)
        if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
            return allowed[0] if _ACCOUNT.match(allowed[0]) else None
        return None

    def _constant(self, expression: object, module: str, depth: int = 0) -> object:
        """The value of an expression that is a constant or exactly one variable."""
        expression = as_dict(expression)
        if "constant_value" in expression:
            return expression["constant_value"]
        refs = [r for r in (parse_reference(x) for x in references(expression)) if r is not None]
        if len(refs) != 1 or refs[0].kind is not RefKind.VAR or depth > 8:
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
        return self._constant(call.expressions.get(name), parent_text, depth + 1)

    def _source_account(self) -> Val[str] | None:
        callers = {
            r.values.get("account_id")
            for r in self.plan.data.values()
            if r.type == "aws_caller_identity" and not r.module
        }
        callers.discard(None)
        if len(callers) == 1:
            (only,) = callers
            if isinstance(only, str) and _ACCOUNT.match(only):
                return only
        explicit = self.facts(self.default_key).account
        if explicit is not None:
            return explicit
        seen: Counter[str] = Counter()
        for resource in self.plan.live():
            parts = arn_region_account(resource.values.get("arn"))
            if parts is not None and _ACCOUNT.match(parts[1]):
                seen[parts[1]] += 1
        if len(seen) == 1:
            return next(iter(seen))
        if len(seen) > 1:
            listed = ", ".join(sorted(seen))
            return Unresolved(f"the plan's resources are in several accounts ({listed})")
        return None
