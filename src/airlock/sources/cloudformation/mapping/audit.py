"""CloudTrail trails (with their event selectors), metric filters and alarms."""

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
from airlock.inventory.model import Unresolved, Val
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, or_unresolved
from airlock.sources.cloudformation.template import Declaration


def _selector(item: Props) -> EventSelector:
    resources = item.children("DataResources")
    data: tuple[DataResource, ...]
    if isinstance(resources, Unresolved):
        data = (DataResource(type=resources),)
    else:
        data = tuple(
            DataResource(
                type=or_unresolved(r.text("Type"), "the data resource has no Type"),
                values=r.texts("Values"),
            )
            for r in resources
        )
    return EventSelector(
        read_write_type=item.text("ReadWriteType"),
        include_management_events=item.flag("IncludeManagementEvents"),
        data_resources=data,
        exclude_management_event_sources=item.texts("ExcludeManagementEventSources"),
    )


def _field_selector(item: Props) -> FieldSelector:
    return FieldSelector(
        field=or_unresolved(item.text("Field"), "the field selector has no Field"),
        equals=item.texts("Equals"),
        not_equals=item.texts("NotEquals"),
        starts_with=item.texts("StartsWith"),
        not_starts_with=item.texts("NotStartsWith"),
        ends_with=item.texts("EndsWith"),
        not_ends_with=item.texts("NotEndsWith"),
    )


def _advanced(item: Props) -> AdvancedEventSelector | Unresolved:
    fields = item.children("FieldSelectors")
    if isinstance(fields, Unresolved):
        return fields
    return AdvancedEventSelector(
        field_selectors=tuple(_field_selector(f) for f in fields), name=item.text("Name")
    )


def _trail(d: Declaration, p: Props, ctx: MapContext) -> None:
    unresolved: Val[bool] = False
    selectors: tuple[EventSelector, ...] | None = None
    advanced: tuple[AdvancedEventSelector, ...] | None = None
    if p.has("EventSelectors"):
        items = p.children("EventSelectors")
        if isinstance(items, Unresolved):
            unresolved, selectors = True, ()
        else:
            selectors = tuple(_selector(item) for item in items)
    if p.has("AdvancedEventSelectors"):
        items = p.children("AdvancedEventSelectors")
        if isinstance(items, Unresolved):
            unresolved, advanced = True, ()
        else:
            built = [_advanced(item) for item in items]
            advanced = tuple(a for a in built if isinstance(a, AdvancedEventSelector))
            if len(advanced) != len(built):
                unresolved = True
    ctx.add(
        Trail(
            **ctx.common(d, p),
            name=p.text("TrailName"),
            s3_bucket=p.rel("S3BucketName", types=("AWS::S3::Bucket",)),
            kms_key=p.rel("KMSKeyId"),
            log_file_validation=p.flag("EnableLogFileValidation"),
            multi_region=p.flag("IsMultiRegionTrail"),
            organization_trail=p.flag("IsOrganizationTrail"),
            logging=p.flag("IsLogging"),
            event_selectors=selectors,
            advanced_event_selectors=advanced,
            cloudwatch_log_group=p.rel("CloudWatchLogsLogGroupArn"),
            selectors_unresolved=unresolved,
        )
    )


def _metric_filter(d: Declaration, p: Props, ctx: MapContext) -> None:
    transforms = p.children("MetricTransformations")
    first = transforms[0] if isinstance(transforms, list) and transforms else Props(None, p.index)
    ctx.add(
        MetricFilter(
            **ctx.common(d, p),
            log_group=or_unresolved(
                p.rel("LogGroupName", types=("AWS::Logs::LogGroup",)),
                "the filter names no log group",
            ),
            pattern=or_unresolved(p.text("FilterPattern"), "the filter has no FilterPattern"),
            metric_name=first.text("MetricName"),
            metric_namespace=first.text("MetricNamespace"),
        )
    )


def _alarm(d: Declaration, p: Props, ctx: MapContext) -> None:
    watched: list[WatchedMetric] = []
    if p.text("MetricName") is not None or p.text("Namespace") is not None:
        watched.append(WatchedMetric(p.text("Namespace"), p.text("MetricName")))
    metrics = p.children("Metrics")
    if isinstance(metrics, Unresolved):
        watched.append(WatchedMetric(metrics, metrics))
    else:
        watched += [
            WatchedMetric(
                m.text("MetricStat", "Metric", "Namespace"),
                m.text("MetricStat", "Metric", "MetricName"),
            )
            for m in metrics
            if m.get("MetricStat") is not None  # expression-only entries read other entries
        ]
    ctx.add(Alarm(**ctx.common(d, p), metrics=tuple(watched), actions=p.rels("AlarmActions")))


MAPPERS: dict[str, Mapper] = {
    "AWS::CloudTrail::Trail": _trail,
    "AWS::Logs::MetricFilter": _metric_filter,
    "AWS::CloudWatch::Alarm": _alarm,
}
