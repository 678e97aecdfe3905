"""Soak: many runs of the extraction over N accounts x M marketplaces x D days against the sandbox,
with random faults at a given rate, then one pipeline run over the whole range; prints figures.

Prints: runs (first tries and re-runs), faults injected by kind (and how many the runs reached),
retries the extractor counted, failed runs, rows reconciled against the sandbox world, rows lost and
duplicated (both must be 0: the script exits 1 otherwise), wall time and peak memory.

Usage: uv run python bench/soak.py [--accounts 2] [--marketplaces 2] [--days 30] [--days-per-run 5]
       [--fault-rate 0.2] [--seed 1] [--max-minutes 20] [--volume-scale 0.05]

Each run extracts ``--days-per-run`` days; every (account, marketplace, report type) of a run draws
a fault with probability ``--fault-rate`` (kind uniform among FAULT_KINDS). A failed run is re-run
with the faults gone, as an operator would, until it succeeds (at most 3 times). ``--max-minutes``
bounds the time: no new run starts after it, and the figures cover what ran. A script that prints
figures, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: The sandbox's failure modes a run meets at random (request, report, download and document faults).
FAULT_KINDS = (
    "throttle_storm", "server_error", "service_unavailable", "fatal", "stuck", "expired_url", "truncated_gzip",
    "schema_missing_column", "duplicate_rows",
)  # fmt: skip
REQUEST_OPERATIONS = ("createReport", "getReport")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--marketplaces", type=int, default=2)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--days-per-run", type=int, default=5)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-minutes", type=float, default=20.0)
    parser.add_argument("--volume-scale", type=float, default=0.05)
    parser.add_argument("--end", default="2026-06-30", help="last day (UTC) of the world and of the soak")
    args = parser.parse_args()

    from orchestration.instance import write_instance_yaml

    work = Path(tempfile.mkdtemp(prefix="ahw-soak-"))
    write_instance_yaml(work / "dagster_home")  # the project's instance settings, as `ahw` writes them
    os.environ.update({"AHW_DATA_DIR": str(work / "data"), "AHW_DUCKDB_PATH": str(work / "data" / "warehouse.duckdb"),
                       "DAGSTER_HOME": str(work / "dagster_home")})  # fmt: skip
    for name in ("AHW_ACCOUNTS_FILE", "LWA_APP_ID", "LWA_CLIENT_SECRET", "AHW_ALERT_URLS"):
        os.environ.pop(name, None)

    import dagster as dg

    from orchestration.pipeline import run_job
    from orchestration.sandbox import Fault, SandboxServer, World, WorldConfig
    from orchestration.sandbox.accounts import ACCOUNTS
    from orchestration.spapi.report_types import REPORT_TYPES
    from tests.faults.reconcile import reconcile

    if not 1 <= args.accounts <= len(ACCOUNTS):
        parser.error(f"--accounts must be 1..{len(ACCOUNTS)} (the sandbox's cast)")
    accounts = tuple(
        replace(a, marketplace_ids=a.marketplace_ids[: args.marketplaces]) for a in ACCOUNTS[: args.accounts]
    )
    end = date.fromisoformat(args.end)
    world = World(WorldConfig(end_date=end, volume_scale=args.volume_scale), accounts=accounts)
    first = end - timedelta(days=args.days - 1)
    rng = random.Random(args.seed)
    speed = 3600.0
    injected, reached = Counter(), Counter()
    runs = reruns = failed_runs = retries = throttled = 0
    started = time.monotonic()
    deadline = started + args.max_minutes * 60
    covered: list[date] = []
    with SandboxServer(world, speed=speed, token_ttl_seconds=3600 * speed, url_ttl_seconds=30 * speed) as sandbox:
        os.environ["AHW_SANDBOX_URL"] = sandbox.url
        day = first
        while day <= end and time.monotonic() < deadline:
            last = min(end, day + timedelta(days=args.days_per_run - 1))
            planned = []
            for account in accounts:
                for marketplace_id in account.marketplace_ids:
                    for report_type in REPORT_TYPES:
                        if rng.random() < args.fault_rate:
                            kind = rng.choice(FAULT_KINDS)
                            fault = Fault(kind, report_type=report_type, seller_id=account.seller_id,
                                          marketplace_id=marketplace_id, times=rng.randint(1, 2),
                                          operation=rng.choice(REQUEST_OPERATIONS) if kind in (
                                              "throttle_storm", "server_error", "service_unavailable") else None)  # fmt: skip
                            planned.append((sandbox.faults.add(fault), fault.times))
                            injected[kind] += 1
            for attempt in range(4):
                result = run_job("extract_reports", day, last, instance=dg.DagsterInstance.ephemeral(),
                                 raise_on_error=False, log_level="ERROR")  # fmt: skip
                runs += 1
                reruns += attempt > 0
                for event in result.get_asset_materialization_events():
                    meta = event.materialization.metadata
                    retries += int(meta["retries"].value) if "retries" in meta else 0
                    throttled += int(meta["throttled_429"].value) if "throttled_429" in meta else 0
                if attempt == 0:
                    left = {id(f) for f in sandbox.faults.active()}
                    for fault, times in planned:
                        if id(fault) not in left or fault.times < times:  # used up, or fired at least once
                            reached[fault.kind] += 1
                    sandbox.faults.clear()
                if result.success:
                    break
                failed_runs += 1
            else:
                print(f"{day}..{last}: still failing after 3 re-runs", file=sys.stderr)
            covered += [day + timedelta(days=i) for i in range((last - day).days + 1)]
            print(f"  {day}..{last}: {len(planned)} fault(s), run {'ok' if result.success else 'FAILED'} "
                  f"after {attempt + 1} attempt(s), {time.monotonic() - started:.0f}s", flush=True)  # fmt: skip
            day = last + timedelta(days=1)
        pipeline_seconds = None
        if covered and time.monotonic() < deadline:
            t = time.monotonic()
            full = run_job("daily_pipeline", covered[0], covered[-1], instance=dg.DagsterInstance.ephemeral(),
                           raise_on_error=False, log_level="ERROR")  # fmt: skip
            runs += 1
            pipeline_seconds = time.monotonic() - t
            failed_runs += not full.success
    check = reconcile(os.environ["AHW_DUCKDB_PATH"], world, covered)
    wall = time.monotonic() - started
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"soak: {args.accounts} account(s) x {args.marketplaces} marketplace(s) x {len(covered)} of {args.days} "
          f"day(s), fault rate {args.fault_rate}, seed {args.seed}")  # fmt: skip
    print(f"runs: {runs} ({reruns} re-runs after a failure; failed runs {failed_runs})")
    for label, counts in (("injected", injected), ("reached by the runs", reached)):
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"faults {label}: {sum(counts.values())} ({kinds or 'none'})")
    print(f"retries counted by the extractor: {retries} (of which 429s: {throttled})")
    print(f"rows reconciled: {check.reconciled}, lost: {check.lost}, duplicated: {check.duplicated}")
    for line in check.details[:10]:
        print(f"  {line}")
    if pipeline_seconds is not None:
        print(f"final daily_pipeline over {covered[0]}..{covered[-1]}: {'ok' if full.success else 'FAILED'} "
              f"in {pipeline_seconds:.0f}s")  # fmt: skip
    print(f"wall time: {wall:.0f}s; peak memory: {peak_self:.0f} MB (this process), {peak_children:.0f} MB "
          "(largest child process; a fork counts the pages it shares with this one)")  # fmt: skip
    return 0 if check.lost == 0 and check.duplicated == 0 and check.reconciled > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
