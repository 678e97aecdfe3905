"""The estimated rating as a function of its parameters: the same formula dbt computes, in numpy.

Why a second copy of the formula: the fit needs to evaluate the model thousands of times for
candidate parameters, which a dbt build cannot. The SQL (macro ``rating_estimate``, models
``int_account_health_ratings_estimated`` and ``fct_rating_projections``) stays the estimate readers
see; :func:`predict` reproduces it to the point (components in whole points, rounded half away
from zero as DuckDB's ``round``), and a test holds the two equal on a real warehouse.
:func:`predict_continuous` is the same formula without the rounding, which least squares needs
(rounding makes the loss flat between whole points).

Parameters are per account x marketplace; points per violation per policy category (snake_case,
as in ``fct_policy_violations_daily``). Ratings are points on Amazon's 0-1000 scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from orchestration.calibration.features import Observations

#: Severities whose open violations switch the floor off (Amazon's floor holds "without violations";
#: the model keeps it while only low-severity ones are open).
SERIOUS_SEVERITIES = ("medium", "high", "critical")


@dataclass(frozen=True)
class Parameters:
    """One set of the estimate's parameters (points unless said otherwise)."""

    start_rating: float
    volume_credit_orders_per_step: float
    volume_credit_points_per_step: float
    volume_credit_max_points: float
    floor_without_serious_violations: float
    critical_override_rating: float
    critical_override_delay_days: int
    points_per_violation: Mapping[str, float] = field(default_factory=dict)
    """category -> points one open violation costs; a category missing here costs 0."""
    min_rating: float = 0.0
    max_rating: float = 1000.0

    def with_points(self, points: Mapping[str, float]) -> Parameters:
        return replace(self, points_per_violation=dict(points))


def whole(values: np.ndarray | float) -> np.ndarray:
    """Whole points, half away from zero (DuckDB's ``round`` of a DOUBLE); inputs here are >= 0."""
    values = np.asarray(values, dtype=float)
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def _points(params: Parameters, obs: Observations) -> np.ndarray:
    return np.array([params.points_per_violation.get(c, 0.0) for c in obs.categories], dtype=float)


def predict(params: Parameters, obs: Observations) -> np.ndarray:
    """The estimate per observed day, exactly as dbt computes it (whole-point components)."""
    start = whole(params.start_rating)
    steps = np.floor(obs.volume_credit_orders / params.volume_credit_orders_per_step)
    credit = np.where(
        obs.is_volume_credit_known,
        whole(np.minimum(params.volume_credit_max_points, steps * params.volume_credit_points_per_step)),
        0.0,
    )
    deduction = whole(obs.defects * _points(params, obs)[None, :]).sum(axis=1)
    return _finish(start + credit - deduction, params, obs, whole)


def predict_continuous(params: Parameters, obs: Observations) -> np.ndarray:
    """:func:`predict` without rounding the components (what the least-squares fit evaluates)."""
    steps = np.floor(obs.volume_credit_orders / params.volume_credit_orders_per_step)
    credit = np.where(
        obs.is_volume_credit_known,
        np.minimum(params.volume_credit_max_points, steps * params.volume_credit_points_per_step),
        0.0,
    )
    deduction = obs.defects @ _points(params, obs)
    return _finish(params.start_rating + credit - deduction, params, obs, lambda v: np.asarray(v, dtype=float))


def _finish(unclamped: np.ndarray, params: Parameters, obs: Observations, rounding) -> np.ndarray:
    """Floor, clamp and override (macro rating_estimate)."""
    floored = np.where(
        obs.has_open_serious, unclamped, np.maximum(unclamped, rounding(params.floor_without_serious_violations))
    )
    clamped = np.clip(floored, params.min_rating, params.max_rating)
    override = override_active(obs, params.critical_override_delay_days)
    return np.where(override, np.minimum(rounding(params.critical_override_rating), clamped), clamped)


def override_active(obs: Observations, delay_days: int) -> np.ndarray:
    """Days a critical violation has shown for at least ``delay_days`` (NaN days: none open)."""
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(obs.critical_days_shown, nan=-1.0) >= delay_days


def band(ratings: np.ndarray, bands: list[tuple[str, int, int]]) -> np.ndarray:
    """Band names of ``ratings`` (seed rating_bands: name, min, max inclusive)."""
    out = np.empty(len(ratings), dtype=object)
    for name, low, high in bands:
        out[(ratings >= low) & (ratings <= high)] = name
    return out
