"""The sections of an account page, one module each, in the order the page shows them.

Each module has ``render(data) -> Section | None`` for one account x marketplace (``data`` is
:meth:`ReportData.for_pair`); ``None`` means the section does not apply (its optional mart is absent).
A new section is a new module added to ``ACCOUNT_SECTIONS``.
"""

from __future__ import annotations

from orchestration.report.sections import (
    alerts,
    components,
    contributors,
    metrics,
    projections,
    rating,
    rolloff,
    violations,
)

ACCOUNT_SECTIONS = (rating, components, alerts, metrics, projections, rolloff, violations, contributors)
