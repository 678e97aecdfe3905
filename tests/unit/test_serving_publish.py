"""The serving copy's publication on a small DuckDB file: readers' copy in place, no leftovers."""

from __future__ import annotations

import duckdb

from orchestration.serving import SERVING_FILE, publish


def test_publish_replaces_the_copy_and_removes_what_a_killed_run_left_half_written(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts; create table marts.fct_example as select 1 as x")
    serving = tmp_path / "serving"
    serving.mkdir()
    leftovers = [serving / f".{SERVING_FILE}.deadbeef.tmp", serving / f".{SERVING_FILE}.deadbeef.tmp.wal"]
    for path in leftovers:
        path.write_bytes(b"half a copy")
    result = publish(con, serving)
    con.close()
    assert not any(path.exists() for path in leftovers)
    assert sorted(p.name for p in serving.iterdir()) == [SERVING_FILE]
    with duckdb.connect(str(result.path), read_only=True) as copy:
        assert copy.execute("select x from marts.fct_example").fetchall() == [(1,)]
