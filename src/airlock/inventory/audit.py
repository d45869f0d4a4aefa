"""The audit layer: CloudTrail trails, metric filters and alarms."""

from __future__ import annotations

from msgspec import Struct

from airlock.inventory.model import Resource, Val


class DataResource(Struct, frozen=True):
    """A legacy event selector's data resource: ``type`` with ARN prefixes ``values``."""

    type: Val[str]
    values: tuple[Val[str], ...] = ()


class EventSelector(Struct, frozen=True):
    """A legacy (basic) event selector."""

    read_write_type: Val[str] | None = None  # All | ReadOnly | WriteOnly; None: All
    include_management_events: Val[bool] | None = None  # None: true
    data_resources: tuple[DataResource, ...] = ()
    exclude_management_event_sources: tuple[Val[str], ...] = ()


class FieldSelector(Struct, frozen=True):
    field: Val[str]
    equals: tuple[Val[str], ...] = ()
    not_equals: tuple[Val[str], ...] = ()
    starts_with: tuple[Val[str], ...] = ()
    not_starts_with: tuple[Val[str], ...] = ()
    ends_with: tuple[Val[str], ...] = ()
    not_ends_with: tuple[Val[str], ...] = ()


class AdvancedEventSelector(Struct, frozen=True):
    field_selectors: tuple[FieldSelector, ...]
    name: Val[str] | None = None


class Trail(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    s3_bucket: Val[str] | None = None
    kms_key: Val[str] | None = None
    log_file_validation: Val[bool] | None = None  # None: not set (false)
    multi_region: Val[bool] | None = None
    organization_trail: Val[bool] | None = None
    logging: Val[bool] | None = None  # IsLogging / enable_logging; None: true
    #: None for both: no selectors declared -- the default (all management events) applies
    event_selectors: tuple[EventSelector, ...] | None = None
    advanced_event_selectors: tuple[AdvancedEventSelector, ...] | None = None
    cloudwatch_log_group: Val[str] | None = None
    #: the selectors themselves could not be resolved
    selectors_unresolved: Val[bool] = False


class MetricFilter(Resource, frozen=True, kw_only=True):
    log_group: Val[str]
    pattern: Val[str]
    metric_name: Val[str] | None = None
    metric_namespace: Val[str] | None = None


class WatchedMetric(Struct, frozen=True):
    """A metric an alarm watches: its own, or one inside a metric-math expression."""

    namespace: Val[str] | None
    name: Val[str] | None


class Alarm(Resource, frozen=True, kw_only=True):
    #: every metric the alarm reads (the single metric, or each metric of its metric math)
    metrics: tuple[WatchedMetric, ...] = ()
    actions: tuple[Val[str], ...] = ()
