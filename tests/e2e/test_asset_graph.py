"""The asset graph as a reviewed snapshot: keys, groups, dependencies, partitioning, checks, jobs and
schedules. A structural change shows up as a diff of tests/snapshots/asset_graph.json in review;
regenerate it with `AHW_UPDATE_SNAPSHOTS=1 uv run pytest tests/e2e/test_asset_graph.py`."""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "asset_graph.json"


def describe_graph() -> dict:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "partitioned": node.partitions_def is not None,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
        }
    checks = sorted(
        f"{k.asset_key.to_user_string()}:{k.name}"
        for k in graph.asset_check_keys
        if not k.name.startswith(
            (
                "not_null",
                "unique",
                "relationships",
                "accepted_values",
                "components_sum",
                "expression_is_true",
                "assert_",
            )
        )
    )
    return {
        "assets": assets,
        "great_expectations_checks": checks,
        "jobs": sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": {s.name: s.cron_schedule for s in defs.schedules or []},
    }


def test_asset_graph_matches_the_reviewed_snapshot():
    current = describe_graph()
    if os.environ.get("AHW_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert SNAPSHOT.exists(), (
        f"{SNAPSHOT} is missing: review the graph and write it with "
        "AHW_UPDATE_SNAPSHOTS=1 uv run pytest tests/e2e/test_asset_graph.py"
    )
    assert json.loads(SNAPSHOT.read_text()) == current


def test_every_stage_hangs_together():
    graph = describe_graph()["assets"]
    dbt_sources = {d for a in graph.values() for d in a["deps"] if d.startswith("raw/")}
    # raw.load_log is written beside every raw table by the loader, not by an asset of its own
    assert dbt_sources - {"raw/load_log"} <= set(graph), "dbt sources are the extraction assets"
    assert "raw/notifications" in dbt_sources
    assert {"raw/orders", "raw/seller_performance"} <= dbt_sources
    # everything that reads marts reads the published ones: downstream of the one publication step
    assert {"marts/fct_alerts", "marts/fct_account_health_rating", "marts/fct_account_health_summary"} <= set(
        graph["published/marts"]["deps"]
    )
    for reader in ("alerts/alert_deliveries", "exports/marts_parquet", "reports/account_health_html"):
        assert "published/marts" in graph[reader]["deps"]
        assert not [d for d in graph[reader]["deps"] if d.startswith("marts/")], reader
    assert all(
        a["partitioned"] for k, a in graph.items() if k.startswith(("raw/", "marts/fct_", "exports/", "reports/"))
    )
