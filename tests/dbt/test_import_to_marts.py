"""`ahw import-report` of a saved seller performance document, then `dbt build`: the document's
metrics, statuses and reported AHR reach the marts."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import duckdb
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.ingest import snapshot_moment
from orchestration.sandbox import World, WorldConfig
from orchestration.sandbox.documents import v2_document
from tests.dbt.conftest import make_invoker

DAY = date(2026, 6, 20)
ACCOUNT, MARKETPLACE = "brightline-outdoor", "A1PA6795UKMFR9"  # the at-risk account; DE carries ahrScore


def test_imported_document_lands_in_the_marts(tmp_path):
    world = World(WorldConfig(seed=5, end_date=date(2026, 6, 30), volume_scale=0.05))
    truth = world.performance(ACCOUNT, MARKETPLACE, snapshot_moment(DAY))
    saved = tmp_path / "seller-central-download.json"
    saved.write_text(json.dumps(v2_document(world, ACCOUNT, [MARKETPLACE], snapshot_moment(DAY))))
    result = CliRunner().invoke(
        main,
        ["import-report", "--report-type", "GET_V2_SELLER_PERFORMANCE_REPORT", "--account", ACCOUNT,
         "--marketplace", MARKETPLACE, "--partition-date", DAY.isoformat(), str(saved)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    db = Path(os.environ["AHW_DUCKDB_PATH"])
    make_invoker(db, tmp_path / "dbt")("build", "--exclude-resource-type", "unit_test")

    # dbt-duckdb keeps its in-process connection open; a second one must share its configuration
    with duckdb.connect(str(db)) as con:
        snapshot = con.execute(
            "select account_status, reported_ahr, reported_ahr_status from marts.fct_account_health_snapshots "
            "where account_id = ? and marketplace_id = ? and snapshot_date = ?",
            [ACCOUNT, MARKETPLACE, DAY],
        ).fetchall()
        rating = con.execute(
            "select reported_ahr, reported_band from marts.fct_account_health_rating "
            "where account_id = ? and marketplace_id = ? and rating_date = ?",
            [ACCOUNT, MARKETPLACE, DAY],
        ).fetchall()
        odr = con.execute(
            "select fulfillment_channel, value from marts.fct_health_metrics_daily where metric_name = "
            "'order_defect_rate' and source = 'reported' and account_id = ? and metric_date = ?",
            [ACCOUNT, DAY],
        ).fetchall()
        violations = dict(
            con.execute(
                "select category, defects_count from marts.fct_policy_violations_daily "
                "where account_id = ? and metric_date = ?",
                [ACCOUNT, DAY],
            ).fetchall()
        )
    assert snapshot == [(truth["account_status"], truth["ahr_score"], truth["ahr_status"])]
    assert truth["ahr_score"] is not None and rating[0][0] == truth["ahr_score"]
    assert rating[0][1] == ("At Risk" if 100 <= truth["ahr_score"] < 200 else rating[0][1])
    assert {ch: v for ch, v in odr} == {
        ch.upper(): truth["order_defect_rate"][ch]["rate"]
        for ch in ("mfn", "afn")
        if truth["order_defect_rate"][ch]["order_count"]
    }
    open_in_truth = {k: v for k, v in truth["violations"].items() if v}
    assert open_in_truth, "the at-risk account has open violations in the sandbox world"
    assert sum(violations.values()) == sum(open_in_truth.values())
