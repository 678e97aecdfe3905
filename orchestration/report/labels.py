"""Words and number formats the report shows, derived from the marts' own names.

The marts name metrics and policy categories in snake_case of Amazon's keys (``order_defect_rate``,
``product_safety_customer_complaints``); the report turns those names into the words Seller Central
uses rather than keeping a second list of them, so a metric or category the marts start carrying
shows up with a readable label without a change here. Rates in the marts are fractions
(0.01 = 1%); everything the report prints is in percent, and says so.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

#: Hyphenated or capitalised spellings Seller Central uses, applied after snake_case -> words.
_SPELLINGS = (
    (r"\bpre fulfillment\b", "pre-fulfillment"),
    (r"\bon time\b", "on-time"),
    (r"\ba to z\b", "A-to-z"),
    (r"\bahr\b", "AHR"),
    (r"\bip\b", "IP"),
)

#: Fulfillment channels as the marts spell them (fct_health_metrics_daily.fulfillment_channel).
CHANNELS = {
    "MFN": "MFN (seller-fulfilled)",
    "AFN": "AFN (fulfilled by Amazon)",
    "ALL": "all channels",
}

#: Target conditions of Amazon's performance metrics (targetCondition) as a comparison sign.
CONDITION_SIGNS = {"LESS_THAN": "<", "GREATER_THAN": ">", "EQUALS": "="}


def words(name: str) -> str:
    """``order_defect_rate`` -> ``Order defect rate`` (Seller Central's spelling of the parts)."""
    text = name.replace("_", " ").strip().lower()
    for pattern, replacement in _SPELLINGS:
        text = re.sub(pattern, replacement, text)
    return text[:1].upper() + text[1:]


def metric_label(metric_name: str, channel: str | None = None, window_days: int | None = None) -> str:
    """A metric series as a person reads it: ``Order defect rate, MFN, 60 days``."""
    parts = [words(metric_name)]
    if channel and channel != "ALL":
        parts.append(channel)
    if window_days:
        parts.append(f"{int(window_days)} days")
    return ", ".join(parts)


def channel_label(channel: str | None) -> str:
    """MFN / AFN / ALL with what they mean; ``unknown`` when the order is not in raw."""
    if channel is None or (isinstance(channel, float) and math.isnan(channel)):
        return "unknown (order not loaded)"
    return CHANNELS.get(channel, channel)


def is_missing(value: object) -> bool:
    """NULL as it arrives from DuckDB through pandas: None, NaN, NaT or pandas.NA."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except TypeError:  # pandas.NA refuses truthiness
        return True


def percent(fraction: object, digits: int = 2) -> str:
    """A fraction as percent text: 0.0071 -> ``0.71%``; ``-`` for NULL."""
    if is_missing(fraction):
        return "-"
    return f"{100 * float(fraction):.{digits}f}%"


def target_text(condition: object, target: object) -> str:
    """``< 1.00%`` from LESS_THAN and 0.01; ``-`` without a target."""
    if is_missing(target):
        return "-"
    sign = CONDITION_SIGNS.get(str(condition), str(condition))
    return f"{sign} {percent(target)}"


def integer(value: object) -> str:
    """A count or rating as plain digits with thousands separators; ``-`` for NULL."""
    if is_missing(value):
        return "-"
    return f"{int(value):,}"


def day(value: object) -> str:
    """An ISO date (UTC day); ``-`` for NULL."""
    if is_missing(value):
        return "-"
    if isinstance(value, datetime):  # pandas.Timestamp is one
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def status_label(status: object) -> str:
    """Amazon's account status (NORMAL, AT_RISK, DEACTIVATED, ...) in words; ``-`` for NULL."""
    if is_missing(status):
        return "-"
    return words(str(status))
