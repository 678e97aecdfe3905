"""Column descriptions shared by the model YAML files (used once to write them; kept for reference).

Run: uv run python dbt_project/scripts/docs_columns.py <warehouse.duckdb>  -> prints YAML column lists
with the types DuckDB reports, so enforced contracts match what the SQL produces.
"""
