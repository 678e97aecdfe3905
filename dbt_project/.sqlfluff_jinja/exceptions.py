"""dbt's ``exceptions`` for SQLFluff's jinja templater (linting only): models may raise compile errors
on bad vars; when linting, nothing is raised."""


def raise_compiler_error(message: str) -> str:
    return ""
