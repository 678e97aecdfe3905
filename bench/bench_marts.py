"""Benchmark: build the dbt marts at three data sizes and compare with plain DuckDB.

Prints, per size (the demo's order volume, 10x and 100x): rows, wall seconds, dbt's fixed start-up
cost, the SQL time dbt reports in run_results.json, peak memory, and the same compiled SQL run
directly by DuckDB. Then the cost of one daily incremental run with 1 month versus 1 year of
history, and what in-process dbt (dbtRunner) saves over the CLI.

Usage: uv run python bench/bench_marts.py [--days 30] [--sizes 1,10,100] [--work bench/results]

The base data comes from the real pipeline (sandbox -> extraction job -> raw); the larger sizes
replicate its orders, feedback and returns inside DuckDB with new order ids (the raw tables may be
generated directly, as the issue allows); a year of history shifts the month back eleven times.
This is a script that prints figures, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
DBT = [sys.executable, "-c", "from dbt.cli.main import cli; cli()"]
NO_TESTS = ["--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"]


# -- measuring ---------------------------------------------------------------------------------
# The command runs under a small Python parent that reports its child's peak memory: measured
# from this process, a forked child would count the pages it shares with this (large) process.
_PEAK_WRAPPER = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(rc)"
)


def measured(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = REPO) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS in MB of the command, output)."""
    with tempfile.NamedTemporaryFile(suffix=".peak") as peak_file:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _PEAK_WRAPPER, peak_file.name, *cmd],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        wall = time.perf_counter() - started
        output = proc.stdout.decode("utf-8", "replace")
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:4])}... failed ({proc.returncode}):\n{output[-3000:]}")
        peak_kb = int(Path(peak_file.name).read_text() or 0)
    return wall, peak_kb / 1024, output


def dbt_env(db: Path) -> dict[str, str]:
    return {**os.environ, "AHW_DUCKDB_PATH": str(db), "AHW_DBT_THREADS": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "0"}


def dbt(db: Path, *args: str, target: Path) -> dict:
    """One dbt CLI invocation; returns wall, peak memory, SQL time and rows from run_results."""
    cmd = [*DBT, *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(target)]
    wall, peak, _ = measured(cmd, env=dbt_env(db))
    results = json.loads((target / "run_results.json").read_text())
    sql = sum(r["execution_time"] for r in results["results"])
    return {"wall": wall, "peak_mb": peak, "sql": sql, "elapsed": results["elapsed_time"], "startup": wall - sql}


def table_rows(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'marts') and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for (t,) in tables}


# -- data --------------------------------------------------------------------------------------
def build_base(path: Path, days: int, end: date) -> None:
    """The demo's data: the extraction job against the embedded sandbox, at the demo's volume."""
    env = {**os.environ, "AHW_DUCKDB_PATH": str(path), "AHW_DATA_DIR": str(path.parent / "base-data"),
           "AHW_SANDBOX_END_DATE": end.isoformat()}  # fmt: skip
    cmd = [sys.executable, "-m", "orchestration.cli", "run", "--job", "extract_reports",
           "--start", (end - timedelta(days=days - 1)).isoformat(), "--end", end.isoformat()]  # fmt: skip
    wall, _, _ = measured(cmd, env=env)
    print(f"base data: {days} days extracted from the sandbox in {wall:.1f}s")


def replicate_volume(path: Path, factor: int) -> None:
    """Multiply order volume: copies of orders, feedback and returns with new order ids."""
    if factor == 1:
        return
    with duckdb.connect(str(path)) as con:
        for table, key in (("orders", "amazon_order_id"), ("seller_feedback", "order_id"), ("returns", "order_id")):
            con.execute(
                f"insert into raw.{table} select t.* replace (t.{key} || '-v' || copies.k as {key}) "
                f"from raw.{table} as t, range(1, {factor}) as copies(k)"
            )


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shift_text(text: str | None, days: int) -> str | None:
    if text is None:
        return None
    return _DATE.sub(lambda m: (date.fromisoformat(m.group(0)) - timedelta(days=days)).isoformat(), text)


def extend_history(path: Path, months: int, span_days: int) -> None:
    """Turn one window of history into ``months`` windows by shifting copies back in time."""
    if months <= 1:
        return
    with duckdb.connect(str(path)) as con:
        shifts = ", ".join(str(span_days * k) for k in range(1, months))
        flat = {
            "orders": ["purchase_date", "last_updated_date"],
            "seller_feedback": ["feedback_date"],
            "returns": ["order_date", "return_request_date", "return_delivery_date"],
            "seller_performance_v1": ["window_start_date", "window_end_date", "snapshot_at"],
            "load_log": ["loaded_at"],
        }
        keys = {"orders": "amazon_order_id", "seller_feedback": "order_id", "returns": "order_id"}
        for table, columns in flat.items():
            replaced = [f"t.{c} - to_days(shifted.s) as {c}" for c in [*columns, "partition_date"]]
            replaced.append("t.report_id || '-h' || shifted.s as report_id")
            if table in keys:
                replaced.append(f"t.{keys[table]} || '-h' || shifted.s as {keys[table]}")
            con.execute(
                f"insert into raw.{table} select t.* replace ({', '.join(replaced)}) "
                f"from raw.{table} as t, unnest([{shifts}]) as shifted(s)"
            )
        # Snapshots carry their dates inside the JSON: shift those too.
        rows = con.sql("select * from raw.seller_performance").to_arrow_table().to_pylist()
        shifted = []
        for k in range(1, months):
            days = span_days * k
            for row in rows:
                copy = dict(row)
                copy["partition_date"] = row["partition_date"] - timedelta(days=days)
                copy["snapshot_at"] = row["snapshot_at"] - timedelta(days=days)
                copy["report_id"] = f"{row['report_id']}-h{days}"
                copy["performance_metrics"] = _shift_text(row["performance_metrics"], days)
                copy["document"] = _shift_text(row["document"], days)
                shifted.append(copy)
        if shifted:
            import pyarrow as pa

            batch = pa.Table.from_pylist(shifted, schema=con.sql("select * from raw.seller_performance limit 0")
                                         .to_arrow_table().schema)  # fmt: skip
            con.register("shifted_snapshots", batch)
            con.execute("insert into raw.seller_performance select * from shifted_snapshots")


# -- plain DuckDB on dbt's compiled SQL --------------------------------------------------------
def plain_duckdb(db: Path, target: Path) -> None:
    """Run every model's compiled SQL in dependency order, as tables/views, and print the seconds.

    Runs in its own process (see ``--plain-sql``) so its peak memory is measured on its own.
    """
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    order: list[str] = []
    seen: set[str] = set()

    def visit(node_id: str) -> None:
        if node_id in seen or node_id not in nodes:
            return
        seen.add(node_id)
        for dep in nodes[node_id]["depends_on"]["nodes"]:
            visit(dep)
        order.append(node_id)

    for node_id in sorted(nodes):
        visit(node_id)
    # The same memory cap dbt's profile sets, so both sides spill alike.
    config = {"memory_limit": os.environ.get("AHW_DUCKDB_MEMORY_LIMIT", "1GB")}
    with duckdb.connect(str(db), config=config) as con:
        started = time.perf_counter()
        for node_id in order:
            node = nodes[node_id]
            compiled = target / "compiled" / node["package_name"] / node["original_file_path"]
            sql = compiled.read_text()
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            relation = f'"{node["schema"]}"."{node["alias"] or node["name"]}"'
            con.execute(f"create schema if not exists {node['schema']}")
            con.execute(f"create or replace {kind} {relation} as {sql}")
        print(json.dumps({"sql": time.perf_counter() - started}))


def in_process_dbt(db: Path, target: Path) -> None:
    """dbtRunner in one process: import cost, then two builds (what a long-lived worker would pay)."""
    os.environ.update(dbt_env(db))
    started = time.perf_counter()
    from dbt.cli.main import dbtRunner

    imported = time.perf_counter() - started
    args = ["build", *NO_TESTS, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
            "--target-path", str(target), "--quiet"]  # fmt: skip
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        result = dbtRunner().invoke(args)
        if not result.success:
            raise RuntimeError(f"in-process dbt build failed: {result.exception}")
        runs.append(time.perf_counter() - t0)
    print(json.dumps({"import": imported, "first": runs[0], "second": runs[1]}))


# -- the benchmark -----------------------------------------------------------------------------
def fmt_row(cells: list, widths: list[int]) -> str:
    return "  ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30, help="days of demo data (default 30, as make demo)")
    parser.add_argument("--sizes", default="1,10,100", help="order-volume multiples of the demo")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--sizes-only", action="store_true", help="skip the incremental and start-up sections")
    parser.add_argument("--reuse-base", action="store_true", help="keep the extracted base data of an earlier run")
    parser.add_argument("--incremental-only", action="store_true", help="only the 1 month vs 1 year daily-run section")
    parser.add_argument("--repeat", type=int, default=3, help="daily runs per history length; the median is reported")
    parser.add_argument("--plain-sql", nargs=2, metavar=("DB", "TARGET"), help=argparse.SUPPRESS)
    parser.add_argument("--in-process", nargs=2, metavar=("DB", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_sql:
        return plain_duckdb(Path(args.plain_sql[0]), Path(args.plain_sql[1]))
    if args.in_process:
        return in_process_dbt(Path(args.in_process[0]), Path(args.in_process[1]))

    work: Path = args.work
    end = datetime.now(UTC).date() - timedelta(days=1)
    base = work / "base.duckdb"
    if args.reuse_base and base.exists():
        with duckdb.connect(str(base), read_only=True) as con:  # the base's last day, not today's
            end = con.execute("select max(partition_date) from raw.seller_performance").fetchall()[0][0]
        print(f"base data: reusing {base} (last day {end})")
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        build_base(base, args.days, end)
    sizes = [] if args.incremental_only else [int(s) for s in args.sizes.split(",")]
    widths = [6, 11, 11, 9, 9, 9, 9, 10, 10, 10]
    if sizes:
        print("\nFull build of every model (dbt build without tests, 1 thread) vs the same SQL in plain DuckDB")
        print(fmt_row(["size", "raw orders", "mart rows", "dbt wall", "startup", "dbt SQL", "peak MB",
                       "duckdb SQL", "peak MB", "SQL ratio"], widths))  # fmt: skip
    figures: dict = {"sizes": {}, "end_date": end.isoformat(), "days": args.days}
    for size in sizes:
        db = work / f"size{size}.duckdb"
        shutil.copy(base, db)
        replicate_volume(db, size)
        target = work / f"target{size}"
        seed = dbt(db, "seed", target=target)
        build = dbt(db, "build", *NO_TESTS, "--exclude-resource-type", "seed", target=target)
        # Same file name in another folder: the compiled SQL names the database by the file's stem.
        plain_db = work / "plain" / db.name
        plain_db.parent.mkdir(exist_ok=True)
        shutil.copy(db, plain_db)
        with duckdb.connect(str(plain_db)) as con:  # plain DuckDB starts from raw + seeds only
            for (schema,) in con.execute(
                "select distinct schema_name from information_schema.schemata "
                "where schema_name in ('staging', 'intermediate', 'marts')"
            ).fetchall():
                con.execute(f"drop schema {schema} cascade")
        plain_wall, plain_peak, out = measured([sys.executable, __file__, "--plain-sql", str(plain_db), str(target)])
        plain_sql = json.loads(out.strip().splitlines()[-1])["sql"]
        rows = table_rows(db)
        marts = sum(n for t, n in rows.items() if t.startswith("marts."))
        figures["sizes"][size] = {"rows": rows, "seed": seed, "build": build, "plain_sql": plain_sql,
                                  "plain_peak_mb": plain_peak, "plain_wall": plain_wall}  # fmt: skip
        print(fmt_row([f"{size}x", rows.get("raw.orders", 0), marts, f"{build['wall']:.1f}s",
                       f"{build['startup']:.1f}s", f"{build['sql']:.2f}s", f"{build['peak_mb']:.0f}",
                       f"{plain_sql:.2f}s", f"{plain_peak:.0f}", f"{build['sql'] / plain_sql:.2f}x"], widths))  # fmt: skip

    if args.sizes_only:
        (work / f"figures-sizes-{args.sizes.replace(',', '-')}.json").write_text(
            json.dumps(figures, indent=2, default=str)
        )
        return None
    print("\nOne daily incremental run (last day only) after a full build, 1 month vs 1 year of history")
    histories = {"1 month": 1, "1 year": 12}
    incremental: dict = {}
    for label, months in histories.items():
        db = work / f"history{months}.duckdb"
        shutil.copy(base, db)
        extend_history(db, months, args.days)
        target = work / f"target-history{months}"
        dbt(db, "seed", target=target)
        full = dbt(db, "build", *NO_TESTS, "--exclude-resource-type", "seed", target=target)
        incremental[label] = {"full": full, "runs": [], "orders": table_rows(db).get("raw.orders", 0)}
    # Re-running a partition is idempotent, so the daily run is repeated; the two histories take
    # turns so that a slow spell of the machine hits both alike. The median run (SQL time) counts.
    daily_vars = json.dumps({"min_date": end.isoformat(), "max_date": end.isoformat()})
    for _ in range(max(1, args.repeat)):
        for label, months in histories.items():
            db, target = work / f"history{months}.duckdb", work / f"target-history{months}"
            run = dbt(db, "build", *NO_TESTS, "--exclude-resource-type", "seed", "--vars", daily_vars, target=target)
            incremental[label]["runs"].append(run)
    for label, figures_of in incremental.items():
        runs = figures_of.pop("runs")
        daily = sorted(runs, key=lambda run: run["sql"])[len(runs) // 2]
        daily["sql_runs"] = [round(run["sql"], 2) for run in runs]
        figures_of["daily"] = daily
        print(f"  {label:8} raw orders {figures_of['orders']:>9}  full build SQL {figures_of['full']['sql']:.2f}s  "
              f"daily run (median of {len(runs)}): wall {daily['wall']:.1f}s, SQL {daily['sql']:.2f}s "
              f"{daily['sql_runs']}, peak {daily['peak_mb']:.0f} MB")  # fmt: skip
    ratio = incremental["1 year"]["daily"]["sql"] / incremental["1 month"]["daily"]["sql"]
    print(f"  daily SQL time, 1 year / 1 month: {ratio:.2f}x")
    figures["incremental"] = incremental
    if args.incremental_only:
        (work / "figures-incremental.json").write_text(json.dumps(figures, indent=2, default=str))
        return None

    print("\ndbt start-up: CLI subprocess vs in-process dbtRunner (demo size, build without tests)")
    target = work / "target-inprocess"
    cli = dbt(work / "size1.duckdb", "build", *NO_TESTS, "--exclude-resource-type", "seed", target=target)
    _, _, out = measured([sys.executable, __file__, "--in-process", str(work / "size1.duckdb"), str(target)])
    inproc = json.loads(out.strip().splitlines()[-1])
    print(f"  CLI: {cli['wall']:.1f}s wall of which {cli['startup']:.1f}s start-up, {cli['sql']:.2f}s SQL")
    print(
        f"  in-process: import {inproc['import']:.1f}s once, then builds of {inproc['first']:.1f}s and "
        f"{inproc['second']:.1f}s; saves {cli['wall'] - inproc['second']:.1f}s per build in a long-lived process"
    )
    figures["startup"] = {"cli": cli, "in_process": inproc}
    (work / "figures.json").write_text(json.dumps(figures, indent=2, default=str))
    print(f"\nfigures written to {work / 'figures.json'}")


if __name__ == "__main__":
    main()
