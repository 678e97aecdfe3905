"""What the fit learns from: one observation per account x marketplace x snapshot day, read from dbt.

dbt builds the inputs (``intermediate.int_rating_observations_joined``: reported ahrScore, the
volume credit's order count; ``intermediate.int_policy_violations_scored``: open violations per
category and how long a critical one has shown) and the seeds (``seeds.rating_parameters``,
``seeds.violation_categories``, ``seeds.rating_bands``: the prior). This module turns them into
arrays; it reads nothing the calibration writes, so the fit's inputs never depend on its output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

#: Where dbt builds what the fit reads (the custom schemas of dbt_project.yml).
INTERMEDIATE = "intermediate"
SEEDS = "seeds"


@dataclass(frozen=True)
class Observations:
    """Days of one or more account x marketplaces, aligned arrays (one entry per day)."""

    days: pd.DataFrame
    """account_id, marketplace_id, snapshot_date, reported_ahr (NaN where Amazon sent none)."""
    categories: list[str]
    severities: list[str]
    """Seed severity per category ('unknown' when the seed lacks it)."""
    defects: np.ndarray
    """days x categories: open violations (defectsCount)."""
    volume_credit_orders: np.ndarray
    is_volume_credit_known: np.ndarray
    is_volume_credit_orders_complete: np.ndarray
    has_open_serious: np.ndarray
    critical_days_shown: np.ndarray
    """Days the longest-showing open critical category has shown (NaN: none open)."""

    def __len__(self) -> int:
        return len(self.days)

    @property
    def reported(self) -> np.ndarray:
        return self.days["reported_ahr"].to_numpy(dtype=float)

    def subset(self, mask: np.ndarray) -> Observations:
        mask = np.asarray(mask, dtype=bool)
        return Observations(
            days=self.days[mask].reset_index(drop=True),
            categories=self.categories,
            severities=self.severities,
            defects=self.defects[mask],
            volume_credit_orders=self.volume_credit_orders[mask],
            is_volume_credit_known=self.is_volume_credit_known[mask],
            is_volume_credit_orders_complete=self.is_volume_credit_orders_complete[mask],
            has_open_serious=self.has_open_serious[mask],
            critical_days_shown=self.critical_days_shown[mask],
        )

    def pair_mask(self, account_id: str, marketplace_id: str) -> np.ndarray:
        d = self.days
        return ((d["account_id"] == account_id) & (d["marketplace_id"] == marketplace_id)).to_numpy()

    def pairs(self) -> list[tuple[str, str]]:
        return sorted(set(zip(self.days["account_id"], self.days["marketplace_id"], strict=True)))


@dataclass(frozen=True)
class Seeds:
    """The seeds' model: the prior of the fit and the fallback where nothing is fitted."""

    parameters: dict[str, float]
    """seeds.rating_parameters: parameter_name -> value."""
    category_severity: dict[str, str]
    category_points: dict[str, float]
    bands: list[tuple[str, int, int]] = field(default_factory=list)


def read_seeds(con: duckdb.DuckDBPyConnection) -> Seeds:
    parameters = dict(con.execute(f"select parameter_name, parameter_value from {SEEDS}.rating_parameters").fetchall())
    rows = con.execute(f"select category, severity, points_per_violation from {SEEDS}.violation_categories").fetchall()
    bands = con.execute(f"select band, min_rating, max_rating from {SEEDS}.rating_bands order by band_order").fetchall()
    return Seeds(
        parameters={k: float(v) for k, v in parameters.items()},
        category_severity={c: s for c, s, _ in rows},
        category_points={c: float(p) for c, _, p in rows},
        bands=[(b, int(lo), int(hi)) for b, lo, hi in bands],
    )


def read_observations(con: duckdb.DuckDBPyConnection, seeds: Seeds, *, through: date | None = None) -> Observations:
    """Every snapshot day up to ``through`` (inclusive; None: all), reported rating or not."""
    where = "" if through is None else f"where snapshot_date <= date '{through.isoformat()}'"
    days = con.execute(
        f"""
        select account_id, marketplace_id, snapshot_date, cast(reported_ahr as double) as reported_ahr,
               is_volume_credit_known, is_volume_credit_orders_complete,
               cast(volume_credit_orders as double) as volume_credit_orders
        from {INTERMEDIATE}.int_rating_observations_joined {where}
        order by account_id, marketplace_id, snapshot_date"""
    ).df()
    violations = con.execute(
        f"""
        select account_id, marketplace_id, snapshot_date, category, defects_count, is_open_critical,
               case when is_open_critical then date_diff('day', open_since_date, snapshot_date) end as days_shown
        from {INTERMEDIATE}.int_policy_violations_scored {where}"""
    ).df()
    return build_observations(days, violations, seeds)


def build_observations(days: pd.DataFrame, violations: pd.DataFrame, seeds: Seeds) -> Observations:
    """Align the per-day rows and the per-category counts (long form) into arrays."""
    days = days.reset_index(drop=True)
    observed = sorted(set(violations["category"]) - set(seeds.category_severity)) if len(violations) else []
    categories = sorted(seeds.category_severity) + observed
    severities = [seeds.category_severity.get(c, "unknown") for c in categories]
    key = ["account_id", "marketplace_id", "snapshot_date"]
    index = pd.MultiIndex.from_frame(days[key])
    defects = np.zeros((len(days), len(categories)))
    critical = np.full(len(days), np.nan)
    if len(violations):
        wide = violations.pivot_table(index=key, columns="category", values="defects_count", aggfunc="sum")
        wide = wide.reindex(index=index, columns=categories).fillna(0)
        defects = np.clip(wide.to_numpy(dtype=float), 0, None)
        shown = violations[violations["is_open_critical"].fillna(False)].groupby(key)["days_shown"].max()
        critical = shown.reindex(index).to_numpy(dtype=float)
    serious = np.array([s in ("medium", "high", "critical") for s in severities])
    return Observations(
        days=days[[*key, "reported_ahr"]],
        categories=categories,
        severities=severities,
        defects=defects,
        volume_credit_orders=days["volume_credit_orders"].fillna(0).to_numpy(dtype=float),
        is_volume_credit_known=days["is_volume_credit_known"].fillna(False).to_numpy(dtype=bool),
        is_volume_credit_orders_complete=days["is_volume_credit_orders_complete"].fillna(False).to_numpy(dtype=bool),
        has_open_serious=(defects[:, serious] > 0).any(axis=1) if serious.any() else np.zeros(len(days), dtype=bool),
        critical_days_shown=critical,
    )
