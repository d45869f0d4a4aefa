"""CloudTrail trails (legacy and advanced event selectors), metric filters and alarms.

A trail with no ``event_selector`` and no ``advanced_event_selector`` block keeps the default
(all management events): both selector fields are ``None``. Selectors that are unknown until
apply set ``selectors_unresolved``.
"""

from __future__ import annotations

from airlock.inventory.audit import (
    AdvancedEventSelector,
    Alarm,
    DataResource,
    EventSelector,
    FieldSelector,
    MetricFilter,
    Trail,
    WatchedMetric,
)
from airlock.inventory.model import Resource, Unresolved, Val
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView

_OPERATORS = (
    "equals",
    "not_equals",
    "starts_with",
    "not_starts_with",
    "ends_with",
    "not_ends_with",
)


def _event_selectors(v: ResourceView) -> tuple[EventSelector, ...] | None:
    blocks = v.blocks("event_selector")
    if not blocks:
        return None
    return tuple(
        EventSelector(
            read_write_type=b.text("read_write_type"),
            include_management_events=b.flag("include_management_events"),
            data_resources=tuple(
                DataResource(type=d.required_text("type"), values=d.strs("values"))
                for d in b.blocks("data_resource")
            ),
            exclude_management_event_sources=b.strs("exclude_management_event_sources"),
        )
        for b in blocks
    )


def _advanced_selectors(v: ResourceView) -> tuple[AdvancedEventSelector, ...] | None:
    blocks = v.blocks("advanced_event_selector")
    if not blocks:
        return None
    found = []
    for block in blocks:
        fields = tuple(
            FieldSelector(field.required_text("field"), *(field.strs(op) for op in _OPERATORS))
            for field in block.blocks("field_selector")
        )
        found.append(AdvancedEventSelector(fields, name=block.text("name")))
    return tuple(found)


def trail(v: ResourceView, out: Assembly) -> Resource:
    unresolved: Val[bool] = False
    for attr in ("event_selector", "advanced_event_selector"):
        missing = v.unresolved_collection(attr)
        if missing is not None:
            unresolved = True
    return Trail(
        **v.base(),
        name=v.text("name"),
        s3_bucket=v.ref("s3_bucket_name", family=F.BUCKET),
        kms_key=v.ref("kms_key_id", family=F.KMS_KEY),
        log_file_validation=v.flag("enable_log_file_validation"),
        multi_region=v.flag("is_multi_region_trail"),
        organization_trail=v.flag("is_organization_trail"),
        logging=v.flag("enable_logging"),
        event_selectors=_event_selectors(v),
        advanced_event_selectors=_advanced_selectors(v),
        cloudwatch_log_group=v.ref("cloud_watch_logs_group_arn", family=F.LOG_GROUP),
        selectors_unresolved=unresolved,
    )


def metric_filter(v: ResourceView, out: Assembly) -> Resource:
    transformation = v.at("metric_transformation", 0)
    return MetricFilter(
        **v.base(),
        log_group=v.required_ref("log_group_name", family=F.LOG_GROUP),
        pattern=_pattern(v),
        metric_name=transformation.text("name"),
        metric_namespace=transformation.text("namespace"),
    )


def _pattern(v: ResourceView) -> Val[str]:
    pattern = v.text("pattern")
    return (
        pattern
        if pattern is not None
        else Unresolved(f"{v.where('pattern')} is not set in the plan")
    )


def alarm(v: ResourceView, out: Assembly) -> Resource:
    watched: list[WatchedMetric] = []
    if v.text("metric_name") is not None or v.text("namespace") is not None:
        watched.append(WatchedMetric(v.text("namespace"), v.text("metric_name")))
    watched += [
        WatchedMetric(metric.text("namespace"), metric.text("metric_name"))
        for query in v.blocks("metric_query")
        for metric in query.blocks("metric")
    ]
    return Alarm(
        **v.base(), metrics=tuple(watched), actions=v.refs("alarm_actions", family=F.ANY)
    )


BUILDERS: Builders = {
    "aws_cloudtrail": trail,
    "aws_cloudwatch_log_metric_filter": metric_filter,
    "aws_cloudwatch_metric_alarm": alarm,
}

JOINERS: Joiners = {}
