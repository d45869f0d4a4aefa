"""Write small Terraform plan JSON files: resources with values and references between them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def resource(
    address: str,
    values: dict[str, Any],
    refs: dict[str, str] | None = None,
    unknown: tuple[str, ...] = ("id", "arn"),
) -> dict[str, Any]:
    """A managed resource; ``refs`` maps an attribute to the address it references (``.id``)."""
    return {"address": address, "values": values, "refs": refs or {}, "unknown": unknown}


def write_plan(path: Path, *resources: dict[str, Any]) -> str:
    planned, changes, config = [], [], []
    for res in resources:
        rtype, name = res["address"].split(".", 1)
        planned.append(
            {
                "address": res["address"],
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "schema_version": 0,
                "values": res["values"],
                "sensitive_values": {},
            }
        )
        after_unknown: dict[str, Any] = {key: True for key in res["unknown"]}
        for attr in res["refs"]:
            after_unknown[attr] = True
        changes.append(
            {
                "address": res["address"],
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": res["values"],
                    "after_unknown": after_unknown,
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
        expressions: dict[str, Any] = {
            key: {"constant_value": value} for key, value in res["values"].items()
        }
        for attr, target in res["refs"].items():
            expressions[attr] = {"references": [f"{target}.id", target]}
        config.append(
            {
                "address": res["address"],
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider_config_key": "aws",
                "expressions": expressions,
                "schema_version": 0,
            }
        )
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "expressions": {"region": {"constant_value": "eu-central-1"}},
                }
            },
            "root_module": {"resources": config},
        },
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    path.write_text(json.dumps(plan, indent=1))
    return str(path)
