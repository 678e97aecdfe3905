"""Parquet exports of the marts for BI tools that do not open the DuckDB file."""
