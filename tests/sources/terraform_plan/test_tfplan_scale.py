"""A 2,000-resource plan loads and joins correctly (its speed is measured outside the suite)."""

from __future__ import annotations

from pathlib import Path

from airlock.inventory.encryption import S3Bucket
from airlock.inventory.network import RouteTable, SecurityGroup, VpcEndpoint

from .scale import large_plan


def test_two_thousand_resources(tmp_path: Path) -> None:
    plan = large_plan(84)
    assert len(plan.doc["resource_changes"]) >= 2000
    inventory = plan.load(tmp_path)
    assert inventory.gaps == []
    last = 'module.stack["s83"]'
    table = inventory.get(f"{last}.aws_route_table.private[2]", RouteTable)
    assert table is not None and table.subnets == (f"{last}.aws_subnet.private[2]",)
    endpoint = inventory.get(f'{last}.aws_vpc_endpoint.this["runtime"]', VpcEndpoint)
    assert endpoint is not None and isinstance(endpoint.policy, dict)
    assert endpoint.subnets == tuple(f"{last}.aws_subnet.private[{i}]" for i in range(3))
    group = inventory.get(f"{last}.aws_security_group.endpoints", SecurityGroup)
    assert group is not None and len(group.ingress) == len(group.egress) == 1
    bucket = inventory.get(f"{last}.aws_s3_bucket.logs", S3Bucket)
    assert bucket is not None and bucket.versioning == "Enabled" and len(bucket.configured_by) == 3
