"""``python -m orchestration.quality list|write|run``: the make verbs of the suites.

- ``list``: every suite, its table, expectation count and the expectations with why they exist;
- ``write``: regenerate ``expectations/suites/*.json`` from the code;
- ``run [--start D] [--end D] [suite ...]``: validate on the warehouse (AHW_DUCKDB_PATH), record
  the results and regenerate the results page. Exit status 1 when a blocking expectation failed.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta

import duckdb

from orchestration.config import load_settings
from orchestration.quality.suites import SUITES_DIR, all_suites, suite, write_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.quality")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    sub.add_parser("write")
    run = sub.add_parser("run")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    run.add_argument("--start", type=date.fromisoformat, default=yesterday)
    run.add_argument("--end", type=date.fromisoformat, default=None)
    run.add_argument("suites", nargs="*")
    args = parser.parse_args(argv)

    if args.command == "list":
        total = 0
        for s in all_suites():
            total += len(s.expectations)
            print(f"{s.name}  ({s.table}, {len(s.expectations)} expectations, frame {s.frame})")
            for e in s.expectations:
                col = e.kwargs.get("column") or ",".join(e.kwargs.get("column_list", [])) or ""
                print(f"    {e.type}({col}){' [warning]' if e.severity != 'error' else ''}: {e.why}")
        print(f"{len(all_suites())} suites, {total} expectations; JSON in {SUITES_DIR}")
        return 0
    if args.command == "write":
        for path in write_json():
            print(path)
        return 0

    from orchestration.quality.gates import results_page_path
    from orchestration.quality.results import record, write_page
    from orchestration.quality.runner import validate

    end = args.end or args.start
    chosen = [suite(n) for n in args.suites] if args.suites else all_suites()
    settings = load_settings()
    with duckdb.connect(str(settings.duckdb_path)) as con:  # short-lived; a writer for the recording
        outcomes = [validate(con, s, args.start, end, run_id="cli") for s in chosen]
        for o in outcomes:
            record(con, o)
        page = write_page(con, results_page_path())
    for o in outcomes:
        print(("ok    " if o.success else "FAIL  ") + o.message())
    print(f"results page: {page}")
    return 0 if all(o.success for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
