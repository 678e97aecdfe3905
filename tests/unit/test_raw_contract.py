"""The raw schema has one source: orchestration/raw_schema.py. The dbt sources YAML must list the same
tables and columns with the same types, in the same order, or staging reads a shape raw does not have."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.raw_schema import RAW_TABLES

SOURCES = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging" / "spapi" / "_spapi__sources.yml"


def test_dbt_sources_list_exactly_the_raw_schema():
    (source,) = yaml.safe_load(SOURCES.read_text())["sources"]
    assert source["schema"] == "raw"
    tables = {t["name"]: t for t in source["tables"]}
    assert list(tables) == list(RAW_TABLES)
    for name, columns in RAW_TABLES.items():
        documented = [(c["name"], c["data_type"]) for c in tables[name]["columns"]]
        assert documented == [(c.name, c.ddl_type.lower()) for c in columns], name
        assert all(c.get("description") for c in tables[name]["columns"]), name
