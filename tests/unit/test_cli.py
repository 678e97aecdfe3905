"""The `ahw` command line: help everywhere, and import-report through landing into raw."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.sandbox import World, WorldConfig
from orchestration.sandbox.documents import render_tsv, v2_document

COMMANDS = ["demo", "run", "summary", "status", "report", "sandbox", "import-report", "dev", "notifications", "alerts"]
SUBCOMMANDS = [["notifications", "setup"], ["notifications", "poll"], ["alerts", "ack"], ["alerts", "deliver"]]


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS], *SUBCOMMANDS])
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.fixture(scope="module")
def world():
    return World(WorldConfig(seed=11, end_date=date(2026, 6, 30), volume_scale=0.05))


def raw(sql):
    with duckdb.connect(os.environ["AHW_DUCKDB_PATH"], read_only=True) as con:
        return con.execute(sql).fetchall()


def test_import_report_loads_a_saved_seller_performance_document(world, tmp_path):
    as_of = datetime.combine(date(2026, 6, 20), time(23, 59, 59), tzinfo=UTC)
    document = v2_document(world, "acme-home", ["ATVPDKIKX0DER"], as_of)
    path = tmp_path / "performance.json"
    path.write_text(json.dumps(document))
    args = ["import-report", "--report-type", "GET_V2_SELLER_PERFORMANCE_REPORT", "--account", "acme-home",
            "--marketplace", "ATVPDKIKX0DER", "--partition-date", "2026-06-20", str(path)]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    truth = world.performance("acme-home", "ATVPDKIKX0DER", as_of)
    rows = raw("select partition_date, ahr_score, account_status, report_id from raw.seller_performance")
    assert rows == [(date(2026, 6, 20), truth["ahr_score"], truth["account_status"], rows[0][3])]
    assert rows[0][3].startswith("import-")
    # importing the same file again replaces, never duplicates
    assert CliRunner().invoke(main, args).exit_code == 0
    assert len(raw("select * from raw.seller_performance")) == 1


def test_import_report_of_a_gzipped_flat_file_partitions_by_its_dates(world, tmp_path):
    days = [date(2026, 6, 1) + timedelta(days=i) for i in range(10)]
    rows = [r for d in days for r in world.feedback_rows("acme-home", "ATVPDKIKX0DER", d)]
    assert rows
    path = tmp_path / "feedback.tsv.gz"
    path.write_bytes(gzip.compress(render_tsv(list(rows[0]), rows)))
    result = CliRunner().invoke(main, ["import-report", "--report-type", "GET_SELLER_FEEDBACK_DATA", "--account",
                                       "acme-home", "--marketplace", "ATVPDKIKX0DER", str(path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    loaded = raw("select partition_date, count(*) from raw.seller_feedback group by 1 order by 1")
    expected = [(d, len(world.feedback_rows("acme-home", "ATVPDKIKX0DER", d))) for d in days]
    assert loaded == [e for e in expected if e[1]]


def test_import_report_names_the_problem_and_keeps_the_file_in_landing(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"accountStatuses": [')
    result = CliRunner().invoke(main, ["import-report", "--report-type", "GET_V2_SELLER_PERFORMANCE_REPORT",
                                       "--account", "acme-home", "--marketplace", "ATVPDKIKX0DER", str(path)])  # fmt: skip
    assert result.exit_code == 1
    assert "GET_V2_SELLER_PERFORMANCE_REPORT" in result.output and "acme-home" in result.output
    assert "ATVPDKIKX0DER" in result.output
    landed = list((tmp_path / "data" / "landing").rglob("import-*"))
    assert any(p.suffix != ".json" or "meta" not in p.name for p in landed)


def test_import_report_rejects_unknown_report_types_and_flat_files_of_unknown_marketplaces(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("Date\tRating\tOrder ID\n25/11/26\t1\t1\n")
    bad_type = CliRunner().invoke(main, ["import-report", "--report-type", "GET_NOPE", "--account", "a",
                                         "--marketplace", "ATVPDKIKX0DER", str(path)])  # fmt: skip
    assert bad_type.exit_code == 2 and "unknown report type" in bad_type.output
    bad_mkt = CliRunner().invoke(main, ["import-report", "--report-type", "GET_SELLER_FEEDBACK_DATA", "--account",
                                        "acme-home", "--marketplace", "XX", str(path)])  # fmt: skip
    assert bad_mkt.exit_code == 1
    (line,) = [x for x in bad_mkt.output.splitlines() if x.strip()]
    assert "unknown marketplace id 'XX'" in line and "flat-file encoding and usual date formats" in line
    assert "orchestration/catalogue/marketplaces.csv" in line
    bad_encoding = CliRunner().invoke(main, ["import-report", "--report-type", "GET_SELLER_FEEDBACK_DATA",
                                             "--account", "acme-home", "--marketplace", "ATVPDKIKX0DER", "--encoding",
                                             "klingon", str(path)])  # fmt: skip
    assert bad_encoding.exit_code == 2 and "unknown charset 'klingon'" in bad_encoding.output


def test_a_json_report_of_a_marketplace_outside_the_catalogue_loads_flagged(world, tmp_path):
    unknown = "A1NEWMARKET0XY"
    as_of = datetime.combine(date(2026, 6, 20), time(23, 59, 59), tzinfo=UTC)
    document = v2_document(world, "acme-home", ["ATVPDKIKX0DER"], as_of)
    for entry in document["accountStatuses"] + document["performanceMetrics"]:
        entry["marketplaceId"] = unknown
    path = tmp_path / "performance.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(main, ["import-report", "--report-type", "GET_V2_SELLER_PERFORMANCE_REPORT",
                                       "--account", "acme-home", "--marketplace", unknown, str(path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "flags: unknown_marketplace" in result.output
    assert raw("select marketplace_id, count(*) from raw.seller_performance group by 1") == [(unknown, 1)]
    flags = raw("select flags from raw.load_log where marketplace_id = '" + unknown + "'")
    assert [json.loads(f) for (f,) in flags] == [["unknown_marketplace"]]
