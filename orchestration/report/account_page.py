"""One page per account x marketplace: the headline numbers, then the sections of ``sections``."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from orchestration.report import charts
from orchestration.report.data import ReportData
from orchestration.report.labels import (
    day,
    integer,
    is_missing,
    metric_label,
    percent,
    status_label,
    target_text,
    words,
)
from orchestration.report.layout import INDEX, Section, badge, esc, page, render_sections
from orchestration.report.sections import ACCOUNT_SECTIONS


def page_name(account_id: str, marketplace_id: str) -> str:
    """File name of the account page: ``account-<account>-<marketplace id>.html``, safe on any file system.

    Account names are configured by the user; characters outside ``[A-Za-z0-9._-]`` are replaced and a
    short hash of the name keeps two such names apart.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", account_id).strip("-.") or "account"
    if slug != account_id:
        slug += "-" + hashlib.sha256(account_id.encode()).hexdigest()[:8]
    return f"account-{slug}-{re.sub(r'[^A-Za-z0-9]+', '-', marketplace_id)}.html"


def status_badge(status: object) -> str:
    if is_missing(status):
        return badge("unknown", "band-none")
    return badge(status_label(status), "status-" + str(status).lower().replace("_", "-"))


def band_badge(band: object) -> str:
    if is_missing(band):
        return badge("none", "band-none")
    return badge(str(band), charts.band_badge(band))


def _card(label: str, value: str, note: str = "") -> str:
    note_html = f"<div class='note'>{note}</div>" if note else ""
    return f"<div class='card'><div class='label'>{esc(label)}</div><div class='value'>{value}</div>{note_html}</div>"


def headline(data: ReportData) -> str:
    """The cards at the top of an account page, from the summary mart's one row."""
    s = data.summary.iloc[0]
    cards = [
        _card(
            "Estimated rating", f"{integer(s.estimated_ahr)} {band_badge(s.band)}", f"as of {esc(day(s.rating_date))}"
        ),
        _card(
            "Reported by Amazon",
            f"{integer(s.reported_ahr)} {band_badge(s.reported_band)}" if not is_missing(s.reported_ahr) else "-",
            "Amazon's ahrScore" if not is_missing(s.reported_ahr) else "not in this marketplace's report",
        ),
        _card("Account status", status_badge(s.account_status), "Amazon's status for this marketplace"),
    ]
    if not is_missing(s.worst_metric_name):
        missed = not is_missing(s.is_worst_metric_target_missed) and bool(s.is_worst_metric_target_missed)
        value = f"<span class='{'miss' if missed else 'ok'}'>{percent(s.worst_metric_value)}</span>"
        cards.append(
            _card(
                "Worst metric against its target",
                value,
                esc(
                    f"{metric_label(s.worst_metric_name, s.worst_metric_fulfillment_channel)}; target "
                    f"{target_text(s.worst_metric_target_condition, s.worst_metric_target_value)}"
                ),
            )
        )
    if not is_missing(s.next_rolloff_date):
        cards.append(
            _card("Next defect roll-off", esc(day(s.next_rolloff_date)), esc(words(str(s.next_rolloff_metric_name))))
        )
    cards.append(
        _card(
            "Account Health Assurance",
            "eligible" if bool(s.is_aha_eligible) else "not eligible",
            "rating at least 250 for 6 months, at most 10 days below",
        )
    )
    if (column := data.optional.get("next_band_change_date")) and not is_missing(s[column]):
        cards.append(_card("Next projected band change", esc(day(s[column])), "if nothing new happens"))
    if (column := data.optional.get("cause")) and not is_missing(s[column]):
        cards.append(_card("Cause", esc(words(str(s[column]))), "takes the most points"))
    if (column := data.optional.get("model_source")) and not is_missing(s[column]):
        cards.append(_card("Rating model", esc(words(str(s[column]))), "parameters behind the estimate"))
    return "<div class='cards'>" + "".join(cards) + "</div>"


def render(data: ReportData, account_id: str, marketplace_id: str, generated_at: datetime) -> tuple[str, list[Section]]:
    """The HTML of the page and the sections it shows (for the writer's metadata and the tests)."""
    one = data.for_pair(account_id, marketplace_id)
    sections = [s for module in ACCOUNT_SECTIONS if (s := module.render(one)) is not None]
    marketplace = data.marketplace_name(marketplace_id)
    heading = f"{account_id} on {marketplace}"
    body = (
        f"<p class='subtitle'>Marketplace id {esc(marketplace_id)}. Latest snapshot "
        f"{esc(day(one.summary.iloc[0].rating_date))}.</p>" + headline(one) + render_sections(sections)
    )
    crumbs = f"<a href='{INDEX}'>All accounts</a> / {esc(account_id)} / {esc(marketplace)}"
    return page(f"{heading}: account health", heading, body, generated_at, crumbs), sections
