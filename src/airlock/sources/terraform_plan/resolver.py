"""Following configuration references to the resource instances they name.

An expression's ``references`` are relative to the module that contains it. The resolver
turns them into :class:`Target` instances:

* ``aws_vpc.main.id`` in ``module.net["eu"]`` names ``module.net["eu"].aws_vpc.main``;
* ``aws_subnet.private`` (no key) names every instance of ``aws_subnet.private``; the caller
  narrows a single-valued attribute to the instance with the referrer's own index;
* ``module.vpc.private_subnets`` follows the output's expression inside the module;
* ``var.x`` inside a module follows the module call's argument in the parent module;
* ``each.value`` follows the ``for_each`` expression and keeps the instance with the same key;
* ``aws_subnet.x.vpc_id`` (a relation-like attribute that the referenced resource sets from
  its own configuration) follows that expression, so it names the VPC, not the subnet.

A resolution also says whether everything it read is known while planning (variables,
constants, ``count.index``): an unknown value built only from those can only be an argument
left null, which the provider then computes (an omitted ``policy``, for instance).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from msgspec import Struct

from airlock.sources.terraform_plan.addresses import (
    Key,
    ModulePath,
    ModuleStep,
    Reference,
    RefKind,
    call_path,
    module_text,
    parse_reference,
    traversal,
)
from airlock.sources.terraform_plan.lookup import Path, child
from airlock.sources.terraform_plan.plan import Plan, PlanResource, as_dict, references

MAX_DEPTH = 16

#: attributes that name the resource itself, never another one
SELF_ATTRS = frozenset(
    {
        "id", "arn", "name", "key_id", "unique_id", "owner_id", "prefix_list_id",
        "association_id", "guardrail_id", "guardrail_arn", "knowledge_base_id",
        "knowledge_base_arn", "agent_id", "agent_arn", "data_source_id", "custom_model_arn",
        "inference_profile_arn", "function_name", "bucket", "policy_id",
    }
)  # fmt: skip
#: aws_vpc attributes that name the VPC's default objects
VPC_DEFAULT_ATTRS = frozenset(
    {
        "default_route_table_id",
        "main_route_table_id",
        "default_security_group_id",
        "default_network_acl_id",
    }
)
VPC_TYPES = frozenset({"aws_vpc", "aws_default_vpc"})
_RELATION_SUFFIXES = ("_id", "_ids", "_arn", "_arns", "_name", "_names")


class Target(Struct, frozen=True):
    """A resource instance an expression reads, and the attribute it reads (if any)."""

    address: str
    type: str
    key: Key | None
    attr: str | None


class Scope(Struct, frozen=True):
    """Where an expression is evaluated: module instance, instance key, ``for_each`` refs."""

    module: ModulePath
    key: Key | None = None
    for_each_refs: tuple[str, ...] = ()


class Resolution(Struct, frozen=True):
    targets: tuple[Target, ...] = ()
    #: every reference is known while planning (no resource, data source or local)
    plan_time: bool = True
    #: data sources the expression reads
    data: tuple[str, ...] = ()
    #: the configuration has an expression for the attribute
    declared: bool = False
    #: the expression uses ``count.index`` or ``each.key``: it picks instances by index
    by_index: bool = False


def scope_of(resource: PlanResource) -> Scope:
    refs = resource.config.for_each_refs if resource.config is not None else ()
    return Scope(resource.module, resource.key, refs)


class Resolver:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._memo: dict[tuple[tuple[str, ...], Scope], Resolution] = {}

    def at(self, resource: PlanResource, path: Path) -> Resolution:
        """The resolution of the configuration expression that sets ``path``."""
        if resource.config is None:
            return Resolution(plan_time=False)
        expression, declared = expression_at(resource.config.expressions, path, resource.values)
        if not declared:
            return Resolution(declared=False)
        refs = references(expression)
        found = self.resolve(refs, scope_of(resource))
        by_index = any(r in ("count.index", "each.key") for r in refs)
        return Resolution(found.targets, found.plan_time, found.data, True, by_index)

    def resolve(self, refs: Sequence[str], scope: Scope, depth: int = 0) -> Resolution:
        memo_key = (tuple(refs), scope)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        if depth > MAX_DEPTH:
            return Resolution(plan_time=False)
        targets: list[Target] = []
        data: list[str] = []
        plan_time = True
        for ref in _significant(refs):
            found = self._one(ref, scope, depth)
            targets.extend(found.targets)
            data.extend(found.data)
            plan_time = plan_time and found.plan_time
        result = Resolution(tuple(dict.fromkeys(targets)), plan_time, tuple(dict.fromkeys(data)))
        self._memo[memo_key] = result
        return result

    def _one(self, ref: Reference, scope: Scope, depth: int) -> Resolution:
        if ref.kind is RefKind.RESOURCE:
            found = self._instances(scope.module, f"{ref.rtype}.{ref.name}", ref)
            targets = [t for r in found for t in self.follow(r, ref.attr, depth)]
            return Resolution(tuple(targets), plan_time=False)
        if ref.kind is RefKind.DATA:
            found = self._instances(scope.module, f"data.{ref.rtype}.{ref.name}", ref)
            names = [r.address for r in found] or [f"data.{ref.rtype}.{ref.name}"]
            # a data source read while planning is as known as a constant
            read = bool(found) and not any(r.address in self.plan.deferred_data for r in found)
            return Resolution(plan_time=read, data=tuple(names))
        if ref.kind is RefKind.MODULE:
            return _narrow(self._module_output(ref, scope, depth), ref.subkey)
        if ref.kind is RefKind.VAR:
            return _narrow(self._variable(ref, scope, depth), ref.subkey)
        if ref.kind is RefKind.EACH and ref.name == "value":
            return self._each_value(ref, scope, depth)
        if ref.kind in (RefKind.EACH, RefKind.COUNT, RefKind.META):
            return Resolution()
        return Resolution(plan_time=False)  # locals and the rest cannot be followed

    def _instances(self, module: ModulePath, local: str, ref: Reference) -> list[PlanResource]:
        found = self.plan.instances.get((module_text(module), local), [])
        if ref.has_key:
            found = [r for r in found if r.key == ref.key and type(r.key) is type(ref.key)]
        return found

    def follow(self, resource: PlanResource, attr: str | None, depth: int) -> list[Target]:
        """The targets behind ``resource.attr``: the resource itself, or what it points to."""
        here = [Target(resource.address, resource.type, resource.key, attr)]
        if attr is None or attr in SELF_ATTRS or not attr.endswith(_RELATION_SUFFIXES):
            return here
        if resource.type in VPC_TYPES and attr in VPC_DEFAULT_ATTRS:
            return here
        if resource.config is None or depth >= MAX_DEPTH:
            return here
        refs = references(resource.config.expressions.get(attr))
        if not refs:
            return here
        found = self.resolve(refs, scope_of(resource), depth + 1)
        return list(found.targets) or here

    def _module_output(self, ref: Reference, scope: Scope, depth: int) -> Resolution:
        if ref.attr is None:
            return Resolution(plan_time=False)  # the whole module object
        children = self.plan.module_children.get((module_text(scope.module), ref.name))
        if not children:
            children = [(*scope.module, ModuleStep(ref.name, ref.key if ref.has_key else None))]
        if ref.has_key:
            children = [c for c in children if c[-1].key == ref.key]
        targets: list[Target] = []
        data: list[str] = []
        plan_time = True
        for module in children:
            refs = self.plan.outputs.get((call_path(module), ref.attr))
            if refs is None:
                return Resolution(plan_time=False)
            found = self.resolve(refs, Scope(module), depth + 1)
            targets.extend(found.targets)
            data.extend(found.data)
            plan_time = plan_time and found.plan_time
        return Resolution(tuple(targets), plan_time, tuple(data))

    def _variable(self, ref: Reference, scope: Scope, depth: int) -> Resolution:
        if not scope.module:
            return Resolution()  # root variables are known while planning
        parent, step = scope.module[:-1], scope.module[-1]
        call = self.plan.module_calls.get((call_path(parent), step.name))
        if call is None or ref.name not in call.expressions:
            return Resolution()  # the variable's default: a constant
        caller = Scope(parent, step.key, call.for_each_refs)
        found = self.resolve(references(call.expressions[ref.name]), caller, depth + 1)
        return self._through(found, ref.attr, depth)

    def _each_value(self, ref: Reference, scope: Scope, depth: int) -> Resolution:
        if not scope.for_each_refs:
            return Resolution()
        found = self.resolve(scope.for_each_refs, Scope(scope.module), depth + 1)
        same = tuple(t for t in found.targets if t.key == scope.key)
        narrowed = Resolution(same or found.targets, found.plan_time, found.data)
        return self._through(narrowed, ref.attr, depth)

    def _through(self, found: Resolution, attr: str | None, depth: int) -> Resolution:
        """Apply ``.attr`` to targets that stand for whole resource objects."""
        if attr is None or not found.targets:
            return found
        targets: list[Target] = []
        for target in found.targets:
            resource = self.plan.resources.get(target.address)
            if target.attr is None and resource is not None:
                targets.extend(self.follow(resource, attr, depth + 1))
            else:
                targets.append(target)
        return Resolution(tuple(targets), found.plan_time, found.data)


def _narrow(found: Resolution, key: Key | None) -> Resolution:
    """``module.m.ids["a"]``: a map of instances, read at one key -- the instance with it."""
    if key is None:
        return found
    same = tuple(t for t in found.targets if t.key == key and type(t.key) is type(key))
    return Resolution(same, found.plan_time, found.data) if same else found


def _significant(refs: Iterable[str]) -> list[Reference]:
    """Drop the shorter forms Terraform adds after each reference.

    ``aws_vpc.main.id`` comes with ``aws_vpc.main``; ``aws_subnet.a[0].id`` with
    ``aws_subnet.a[0]`` and ``aws_subnet.a``; ``module.m.ids["k"]`` with ``module.m.ids`` and
    ``module.m``: a reference that is a prefix of another one says nothing more.
    """
    steps = {r: tuple(traversal(r) or ()) for r in dict.fromkeys(refs)}
    prefixes = {s[:n] for s in steps.values() for n in range(1, len(s))}
    kept: list[Reference] = []
    for text, path in steps.items():
        if not path or path in prefixes:
            continue
        parsed = parse_reference(text)
        if parsed is not None and parsed not in kept:
            kept.append(parsed)
    return kept


def _is_expression(node: object) -> bool:
    return isinstance(node, dict) and bool(node) and set(node) <= {"references", "constant_value"}


def expression_at(expressions: dict[str, Any], path: Path, values: Any) -> tuple[Any, bool]:
    """The configuration expression that sets ``path``, and whether there is one.

    Nested blocks are lists of expression objects; attributes written as blocks (security group
    rules, route table routes) are one expression for the whole list. When the configured
    blocks cannot be matched one-to-one with the planned ones (``dynamic`` blocks, sets), the
    references of every block are merged.
    """
    node: Any = expressions
    value: Any = values
    for i, part in enumerate(path):
        if _is_expression(node):
            return node, True
        if isinstance(part, int):
            if isinstance(node, list):
                planned = value if isinstance(value, list) else None
                aligned = planned is not None and len(planned) == len(node)
                if (len(node) == 1 and part == 0) or (aligned and 0 <= part < len(node)):
                    node = node[part]
                else:
                    merged = [r for block in node for r in _refs_under(block, path[i + 1 :])]
                    return {"references": merged}, bool(node)
            elif not isinstance(node, dict):
                return None, False
        else:
            if not isinstance(node, dict) or part not in node:
                return None, False
            node = node[part]
        value = child(value, part)
    if node is None:
        return None, False
    if _is_expression(node):
        return node, True
    return {"references": _refs_under(node, ())}, True


def _refs_under(node: Any, path: Path) -> list[str]:
    """References of every expression under ``node`` along ``path`` (list indexes ignored)."""
    for part in path:
        if _is_expression(node):
            break
        if isinstance(part, int):
            continue
        node = (
            as_dict(node).get(part)
            if not isinstance(node, list)
            else [as_dict(b).get(part) for b in node]
        )
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if _is_expression(item):
            found.extend(references(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
