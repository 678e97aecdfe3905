"""Evaluations that run the warehouse end to end against sandbox worlds (kept apart from the parts they
exercise: they import the Dagster stages' helpers, which import those parts)."""
