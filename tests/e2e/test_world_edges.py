"""The sandbox world's own edges pass its gates (issue 9 section 5): its first days, and its last day
run twice (a daily schedule after a backfill re-runs yesterday).

Real daily_pipeline runs in-process against the embedded sandbox over HTTP, real DuckDB, dbt and Great
Expectations. What raw holds for the edge days is compared with the world: the last day's orders are
the rows a report generated at the world's end shows (nothing after the end clamped onto it), the first
day's are the world's first day.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.config import DEFAULT_SANDBOX_SEED
from orchestration.pipeline import run_job
from orchestration.sandbox import World, WorldConfig
from tests.pipeline_env import sandbox_pipeline_env

END = date(2026, 7, 31)  # the world starts 200 days before: on or after the first partition (2026-01-01)
SCALE = 0.05


@pytest.fixture(scope="module")
def world():
    return World(WorldConfig(seed=DEFAULT_SANDBOX_SEED, end_date=END, volume_scale=SCALE))


@pytest.fixture
def data(tmp_path):
    """A warehouse of its own per test: the marts gates (rightly) refuse a gap of months between the
    world's first days and its last ones in one warehouse."""
    return tmp_path / "data"


def run(first, last):
    result = run_job("daily_pipeline", first, last, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    failures = [
        f"{e.step_key}: {e.event_specific_data.error.message.splitlines()[0]}"
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    ]
    assert result.success, "\n".join(failures)
    return result


def orders_per_pair(path: str, day) -> dict[tuple[str, str], int]:
    with duckdb.connect(path, read_only=True) as con:
        got = con.execute(
            "select account_id, marketplace_id, count(*) from raw.orders where partition_date = ? group by all", [day]
        ).fetchall()
    return {(a, m): n for a, m, n in got}


def truth(world: World, day) -> dict[tuple[str, str], int]:
    counts = {
        (a.name, m): len(world.order_item_rows(a.name, m, day)) for a in world.accounts for m in a.marketplace_ids
    }
    return {k: n for k, n in counts.items() if n}


def landing_root(path: str) -> Path:
    return Path(path).parent / "landing"


def landing_metas(path: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in landing_root(path).rglob("*.meta.json")]


def ratings(path: str, day) -> set[tuple[str, str]]:
    with duckdb.connect(path, read_only=True) as con:
        rows = con.execute(
            "select account_id, marketplace_id from marts.fct_account_health_rating where rating_date = ?", [day]
        ).fetchall()
    return set(rows)


def test_the_worlds_first_two_days_pass_the_gates(data, world):
    with sandbox_pipeline_env(data, END, SCALE) as path:
        first_days(str(path), world)


def first_days(env: str, world: World) -> None:
    first = world.start_date
    run(first, first)  # no history: nothing to compare with
    run(first + timedelta(days=1), first + timedelta(days=1))  # one day of history: compared with that day
    for day in (first, first + timedelta(days=1)):
        assert orders_per_pair(env, day) == truth(world, day)
        assert ratings(env, day) == {(a.name, m) for a in world.accounts for m in a.marketplace_ids}
    # far older than AHW_LANDING_RETENTION_DAYS (30) before the world's end: the buyer-data documents were
    # purged by the daily job right after they loaded (raw kept their rows, above); snapshots stay
    metas = landing_metas(env)
    buyer = [m for m in metas if m["encryption"]]
    assert buyer and all(m["purged_at"] for m in buyer)
    assert not list(landing_root(env).rglob("*.fernet"))
    assert all(not m["purged_at"] and (landing_root(env) / m["stored_file"]).exists() for m in metas if m not in buyer)


def test_the_worlds_last_day_passes_the_gates_twice_after_a_backfill(data, world):
    with sandbox_pipeline_env(data, END, SCALE) as path:
        last_day(str(path), world)


def last_day(env: str, world: World) -> None:
    run(END - timedelta(days=3), END - timedelta(days=1))  # the backfill
    run(END, END)  # the schedule's day
    once = orders_per_pair(env, END)
    assert once == truth(world, END)
    run(END, END)  # and again
    assert orders_per_pair(env, END) == once
    assert ratings(env, END) == {(a.name, m) for a in world.accounts for m in a.marketplace_ids}
    recent = [m for m in landing_metas(env) if m["encryption"] and m["document_date"] == END.isoformat()]
    assert recent and all(not m["purged_at"] for m in recent)  # within the retention: kept, encrypted
    assert any(m["duplicate_of"] for m in recent)  # the re-run's identical documents were not stored again
