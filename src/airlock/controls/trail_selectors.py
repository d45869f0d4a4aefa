"""What a trail's event selectors record: model calls (management read events) and Bedrock
data events.

InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream are CloudTrail
*management* events with ``readOnly: true`` (reference/audit.md §0). A trail with no selectors
logs all management events. Selectors replace that default: a trail whose selectors name only
data events logs no management event at all, so every model call is lost. Bedrock data
events (agents, knowledge bases, flows, guardrails, async and bidirectional invocation) need an
advanced selector with ``eventCategory = Data`` and ``resources.type = AWS::Bedrock::...``;
basic selectors cannot name them.
"""

from __future__ import annotations

from msgspec import Struct

from airlock.controls.judgement import Judgement, no, undecided, yes
from airlock.inventory.audit import AdvancedEventSelector, FieldSelector, Trail
from airlock.inventory.model import Unresolved

BEDROCK_SOURCE = "bedrock.amazonaws.com"
BEDROCK_TYPE_PREFIX = "AWS::Bedrock::"


def _values(values: tuple[object, ...]) -> tuple[list[str], bool]:
    known = [v for v in values if isinstance(v, str)]
    return known, len(known) != len(values)


def _fields(selector: AdvancedEventSelector) -> dict[str, FieldSelector] | None:
    out: dict[str, FieldSelector] = {}
    for fs in selector.field_selectors:
        if not isinstance(fs.field, str):
            return None
        out[fs.field] = fs
    return out


def logs_model_calls(trail: Trail) -> Judgement:
    """Does the trail record management read events from bedrock.amazonaws.com? (YES is good)"""
    if isinstance(trail.selectors_unresolved, Unresolved) or trail.selectors_unresolved:
        return undecided(f"The event selectors of trail {trail.id} are unresolved.")
    if trail.advanced_event_selectors is not None:
        return _advanced_management(trail, trail.advanced_event_selectors)
    if trail.event_selectors:
        return _basic_management(trail)
    return yes(
        f"Trail {trail.id} declares no selectors, so it logs all management events, model calls included."
    )


def _basic_management(trail: Trail) -> Judgement:
    doubts: list[str] = []
    for selector in trail.event_selectors or ():
        include, kind = selector.include_management_events, selector.read_write_type
        excluded, lost = _values(selector.exclude_management_event_sources)
        if isinstance(include, Unresolved) or isinstance(kind, Unresolved) or lost:
            doubts.append("a basic selector is unresolved")
            continue
        if include is False or kind == "WriteOnly" or BEDROCK_SOURCE in excluded:
            continue
        return yes(
            f"Trail {trail.id} logs read management events, model calls included.",
            read_write_type=kind or "All",
        )
    if doubts:
        return undecided(f"Trail {trail.id} may log model calls, but {doubts[0]}.")
    return no(
        f"Trail {trail.id}'s selectors exclude read management events, so InvokeModel and Converse calls are not logged.",
        selectors=[
            _basic_shown(s.read_write_type, s.include_management_events)
            for s in trail.event_selectors or ()
        ],
    )


def _basic_shown(kind: object, include: object) -> dict[str, object]:
    return {"ReadWriteType": kind, "IncludeManagementEvents": include}


def _advanced_management(trail: Trail, selectors: tuple[AdvancedEventSelector, ...]) -> Judgement:
    doubts: list[str] = []
    for selector in selectors:
        fields = _fields(selector)
        if fields is None:
            doubts.append("a field name is unresolved")
            continue
        category = fields.get("eventCategory")
        if category is None:
            continue
        cats, lost = _values(category.equals)
        if "Management" not in cats:
            if lost:
                doubts.append("an eventCategory value is unresolved")
            continue
        verdict = _management_selector(fields)
        if verdict is True:
            return yes(
                f"Trail {trail.id} has a management-event selector that includes read events from Bedrock."
            )
        if verdict is None:
            doubts.append("a management selector filters on fields the check cannot judge")
    if doubts:
        return undecided(f"Trail {trail.id} may log model calls, but {doubts[0]}.")
    data_only = all(_is_data(s) for s in selectors) and selectors
    why = (
        "has only data-event selectors, and selectors replace the default, so it logs no management event: every InvokeModel and Converse call is lost"
        if data_only
        else "has no advanced selector that logs read management events, so InvokeModel and Converse calls are not logged"
    )
    return no(f"Trail {trail.id} {why}.", selectors=[_shown(s) for s in selectors])


def _management_selector(fields: dict[str, FieldSelector]) -> bool | None:
    for name, fs in fields.items():
        if name == "eventCategory":
            continue
        equals, lost_eq = _values(fs.equals)
        not_equals, lost_ne = _values(fs.not_equals)
        if lost_eq or lost_ne:
            return None
        if name == "readOnly":
            if (equals and "true" not in [v.lower() for v in equals]) or "true" in [
                v.lower() for v in not_equals
            ]:
                return False
        elif name == "eventSource":
            if (equals and BEDROCK_SOURCE not in equals) or BEDROCK_SOURCE in not_equals:
                return False
            if fs.starts_with or fs.ends_with or fs.not_starts_with or fs.not_ends_with:
                return None
        else:
            return None
    return True


def _is_data(selector: AdvancedEventSelector) -> bool:
    fields = _fields(selector) or {}
    category = fields.get("eventCategory")
    return category is not None and "Data" in _values(category.equals)[0]


def _shown(selector: AdvancedEventSelector) -> dict[str, object]:
    out: dict[str, object] = {}
    for fs in selector.field_selectors:
        entry = {
            k: list(v)
            for k, v in (
                ("Equals", fs.equals), ("NotEquals", fs.not_equals), ("StartsWith", fs.starts_with),
                ("NotStartsWith", fs.not_starts_with), ("EndsWith", fs.ends_with), ("NotEndsWith", fs.not_ends_with),
            )
            if v
        }  # fmt: skip
        out[str(fs.field)] = entry
    return out


class DataCoverage(Struct, frozen=True):
    #: resource types logged in full
    full: frozenset[str]
    #: types logged only for some resources or events: type -> the narrowing fields
    partial: dict[str, tuple[str, ...]]
    doubts: tuple[str, ...]

    def covers(self, resource_type: str) -> bool:
        return resource_type in self.full


def bedrock_data_events(trail: Trail) -> DataCoverage:
    """The Bedrock data-event resource types a trail logs."""
    if isinstance(trail.selectors_unresolved, Unresolved) or trail.selectors_unresolved:
        return DataCoverage(frozenset(), {}, (f"the selectors of trail {trail.id} are unresolved",))
    full: set[str] = set()
    partial: dict[str, tuple[str, ...]] = {}
    doubts: list[str] = []
    for selector in trail.advanced_event_selectors or ():
        fields = _fields(selector)
        if fields is None:
            doubts.append(f"a field name of trail {trail.id} is unresolved")
            continue
        if not _is_data(selector):
            continue
        kind = fields.get("resources.type")
        if kind is None:
            continue
        types, lost = _values(kind.equals)
        if lost:
            doubts.append(f"a resources.type value of trail {trail.id} is unresolved")
        if (
            kind.starts_with
            or kind.ends_with
            or kind.not_equals
            or kind.not_starts_with
            or kind.not_ends_with
        ):
            # Equals is the only operator CloudTrail accepts on resources.type: it rejects
            # the selector, and with it the trail's update
            doubts.append(
                f"trail {trail.id} filters resources.type with an operator other than Equals, which CloudTrail rejects"
            )
            continue
        named = [t for t in types if t.startswith(BEDROCK_TYPE_PREFIX)]
        narrowing = tuple(f for f in fields if f not in ("eventCategory", "resources.type"))
        for name in named:
            if narrowing:
                partial[name] = narrowing
            else:
                full.add(name)
    return DataCoverage(frozenset(full), partial, tuple(doubts))
