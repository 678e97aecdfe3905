"""Reports: the static HTML account-health report, written after the marts passed their checks."""
