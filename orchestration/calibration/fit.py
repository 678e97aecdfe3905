"""Learn the estimate's parameters from Amazon's reported ahrScore history.

The model is the seeds' (``model.py``): start + a capped volume credit - points per open violation
per category, a floor while no serious violation is open, and the critical override after a delay.
Amazon publishes the bands and a few rules but not the numbers, so they are fitted where the
snapshots carry ``ahrScore`` (which Amazon sends "not always": some marketplaces never):

- **Least squares, bounded and robust** (``scipy.optimize.least_squares``, loss ``soft_l1`` with a
  scale of :data:`LOSS_SCALE_POINTS`): every parameter is non-negative and bounded by the 0-1000
  scale (the override by the Critical band, 0-99); days where the rating moved for reasons the
  inputs do not show (an appeal, a change Amazon made) weigh like outliers, not like truth.
- **The seeds are the prior**: each parameter carries a penalty for leaving its prior mean, scaled
  by :data:`PRIOR_SCALES`. Points per category are tied to a fitted mean per severity, so a
  category never seen open takes its severity's fitted points, not the seed's guess. With enough
  data the penalty is negligible; where data says nothing (a floor that never binds) the prior
  decides and the standard error is reported as unknown.
- **The override's delay** is a whole number of days: chosen by the fit's loss over 0-7 days where
  a critical violation opened on reported days, else the prior's.
- **Pooled where data is thin, own where there is enough** (:func:`calibrate`): parameters are
  fitted on every account x marketplace with ahrScore together (``pooled``), on each account's
  (``account``) and on each account x marketplace's own history (``account_marketplace``, at least
  ``min_days`` reported days), each level's prior being the level above. The last
  ``holdout_days`` reported days are held out: the scope whose fit on the earlier days errs least
  on them (by a margin, else the more pooled one) is chosen and refitted on all days. Marketplaces
  without ahrScore take their account's parameters when those beat the pooled ones on the
  account's held-out days, else the pooled ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from orchestration.calibration.features import Observations, Seeds
from orchestration.calibration.model import Parameters, band, predict, predict_continuous

#: Scalar parameters fitted (the orders per step stays the seed's: only points per order are identified).
SCALARS = (
    "start_rating",
    "volume_credit_points_per_step",
    "volume_credit_max_points",
    "floor_without_serious_violations",
    "critical_override_rating",
)
SEVERITIES = ("low", "medium", "high", "critical")
#: Bounds: the 0-1000 scale bounds every number; the override is a rating in the Critical band.
SCALAR_BOUNDS = {
    "start_rating": (0.0, 1000.0),
    "volume_credit_points_per_step": (0.0, 100.0),
    "volume_credit_max_points": (0.0, 1000.0),
    "floor_without_serious_violations": (0.0, 1000.0),
    "critical_override_rating": (0.0, 99.0),
}
POINTS_BOUNDS = (0.0, 1000.0)
#: How far (points, one standard deviation) a parameter may leave its prior before the penalty
#: matters as much as a day's error of LOSS_SCALE_POINTS. The start and the floor are Amazon's
#: published 200 (tight); the credit's rate and cap and the override are the third-party "about +4
#: per 200 orders" and "to 0" (looser). Points: a severity's mean may move by its own size, a
#: category by half its severity's points (at least 2).
PRIOR_SCALES = {
    "start_rating": 10.0,
    "volume_credit_points_per_step": 2.0,
    "volume_credit_max_points": 200.0,
    "floor_without_serious_violations": 10.0,
    "critical_override_rating": 20.0,
}
#: Residuals up to this many points count fully (squared); larger ones grow linearly (soft_l1).
LOSS_SCALE_POINTS = 5.0
#: Candidate delays of the critical override (days).
DELAY_CANDIDATES = tuple(range(8))
#: A less pooled scope is chosen only if it beats the more pooled one on held-out days by this
#: fraction of the mean absolute error, and by at least one point.
SCOPE_MARGIN = 0.1


@dataclass(frozen=True)
class Prior:
    """Prior means and scales of every fitted number, and the prior delay."""

    scalars: dict[str, float]
    scalar_scales: dict[str, float]
    severity_means: dict[str, float]
    severity_scales: dict[str, float]
    category_offsets: dict[str, float]
    """category -> prior points minus its severity's mean (0 at the top level)."""
    category_scales: dict[str, float]
    category_severity: dict[str, str]
    delay_days: int
    orders_per_step: float


@dataclass(frozen=True)
class FitResult:
    parameters: Parameters
    severity_means: dict[str, float]
    standard_errors: dict[str, float | None]
    """scalar name or ``points:<category>`` -> standard error (None where the data say nothing)."""
    open_days: dict[str, int]
    observations: int
    window: tuple[date, date] | None
    seconds: float = 0.0

    def as_prior(self, base: Prior) -> Prior:
        """This fit as the prior of a less pooled one (same scales, means moved here)."""
        points = self.parameters.points_per_violation
        return replace(
            base,
            scalars={k: float(getattr(self.parameters, k)) for k in SCALARS},
            severity_means=dict(self.severity_means),
            category_offsets={
                c: points[c] - self.severity_means.get(sev, 0.0) for c, sev in base.category_severity.items()
            },
            delay_days=self.parameters.critical_override_delay_days,
        )


def seed_prior(seeds: Seeds, categories: list[str], severities: list[str]) -> Prior:
    """The seeds as the top-level prior: severity means from the seed's points per category."""
    by_severity: dict[str, list[float]] = {}
    for category, severity in zip(categories, severities, strict=True):
        if category in seeds.category_points:
            by_severity.setdefault(severity, []).append(seeds.category_points[category])
    means = {s: float(np.mean(by_severity.get(s, [0.0]))) for s in SEVERITIES}
    prior = Prior(
        scalars={k: seeds.parameters[k] for k in SCALARS},
        scalar_scales=dict(PRIOR_SCALES),
        severity_means=means,
        severity_scales={s: max(2.0, m) for s, m in means.items()},
        category_offsets={c: 0.0 for c in categories},
        category_scales={
            c: (max(2.0, 0.5 * means[s]) if s in means else 10.0) for c, s in zip(categories, severities, strict=True)
        },
        category_severity=dict(zip(categories, severities, strict=True)),
        delay_days=int(seeds.parameters["critical_override_delay_days"]),
        orders_per_step=seeds.parameters["volume_credit_orders_per_step"],
    )
    return prior


class _Problem:
    """The parameter vector <-> Parameters, and the residuals of one fit."""

    def __init__(self, obs: Observations, prior: Prior, seeds: Seeds):
        self.obs, self.prior, self.seeds = obs, prior, seeds
        self.categories = obs.categories
        self.severities = obs.severities
        self.n_scalars = len(SCALARS)
        self.n_severities = len(SEVERITIES)
        self.y = obs.reported

    def x0(self) -> np.ndarray:
        p = self.prior
        points = [
            max(0.0, p.severity_means.get(s, 0.0) + p.category_offsets.get(c, 0.0))
            for c, s in zip(self.categories, self.severities, strict=True)
        ]
        x = np.array([p.scalars[k] for k in SCALARS] + [p.severity_means[s] for s in SEVERITIES] + points, dtype=float)
        low, high = self.bounds()
        return np.clip(x, low, high)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        low = [SCALAR_BOUNDS[k][0] for k in SCALARS] + [POINTS_BOUNDS[0]] * (self.n_severities + len(self.categories))
        high = [SCALAR_BOUNDS[k][1] for k in SCALARS] + [POINTS_BOUNDS[1]] * (self.n_severities + len(self.categories))
        return np.array(low), np.array(high)

    def parameters(self, x: np.ndarray, delay: int) -> Parameters:
        values = dict(zip(SCALARS, x[: self.n_scalars], strict=True))
        points = dict(zip(self.categories, x[self.n_scalars + self.n_severities :], strict=True))
        return Parameters(
            start_rating=values["start_rating"],
            volume_credit_orders_per_step=self.prior.orders_per_step,
            volume_credit_points_per_step=values["volume_credit_points_per_step"],
            volume_credit_max_points=values["volume_credit_max_points"],
            floor_without_serious_violations=values["floor_without_serious_violations"],
            critical_override_rating=values["critical_override_rating"],
            critical_override_delay_days=delay,
            points_per_violation=points,
            min_rating=self.seeds.parameters.get("min_rating", 0.0),
            max_rating=self.seeds.parameters.get("max_rating", 1000.0),
        )

    def data_residuals(self, x: np.ndarray, delay: int) -> np.ndarray:
        return predict_continuous(self.parameters(x, delay), self.obs) - self.y

    def prior_residuals(self, x: np.ndarray) -> np.ndarray:
        p, f = self.prior, LOSS_SCALE_POINTS
        scalars = x[: self.n_scalars]
        means = x[self.n_scalars : self.n_scalars + self.n_severities]
        points = x[self.n_scalars + self.n_severities :]
        mean_of = dict(zip(SEVERITIES, means, strict=True))
        out = [f * (scalars[i] - p.scalars[k]) / p.scalar_scales[k] for i, k in enumerate(SCALARS)]
        out += [f * (means[i] - p.severity_means[s]) / p.severity_scales[s] for i, s in enumerate(SEVERITIES)]
        out += [
            f * (points[i] - mean_of.get(s, 0.0) - p.category_offsets.get(c, 0.0)) / p.category_scales[c]
            for i, (c, s) in enumerate(zip(self.categories, self.severities, strict=True))
        ]
        return np.array(out)

    def residuals(self, x: np.ndarray, delay: int) -> np.ndarray:
        return np.concatenate([self.data_residuals(x, delay), self.prior_residuals(x)])


def fittable(obs: Observations) -> np.ndarray:
    """Days the fit can learn from: a reported rating and a complete volume count."""
    return ~np.isnan(obs.reported) & obs.is_volume_credit_orders_complete


def fit(obs: Observations, prior: Prior, seeds: Seeds) -> FitResult:
    """Fit one set of parameters to ``obs`` (days with a reported rating and a complete order count)."""
    started = datetime.now()
    obs = obs.subset(fittable(obs))
    problem = _Problem(obs, prior, seeds)
    low, high = problem.bounds()
    x0 = problem.x0()
    delays = [prior.delay_days]
    shown = obs.critical_days_shown[~np.isnan(obs.critical_days_shown)]
    if len(shown) and shown.min() <= max(DELAY_CANDIDATES):
        delays = sorted(DELAY_CANDIDATES, key=lambda d: abs(d - prior.delay_days))
    best = None
    for delay in delays:
        result = least_squares(
            problem.residuals, x0, bounds=(low, high), loss="soft_l1", f_scale=LOSS_SCALE_POINTS,
            x_scale="jac", args=(delay,), max_nfev=200,
        )  # fmt: skip
        if best is None or result.cost < best[1].cost - 1e-6 * max(1.0, best[1].cost):
            best = (delay, result)
    assert best is not None
    delay, result = best
    parameters = problem.parameters(result.x, delay)
    means = dict(zip(SEVERITIES, result.x[problem.n_scalars : problem.n_scalars + problem.n_severities], strict=True))
    dates = obs.days["snapshot_date"]
    return FitResult(
        parameters=parameters,
        severity_means={s: float(v) for s, v in means.items()},
        standard_errors=_standard_errors(problem, result.x, delay),
        open_days={c: int((obs.defects[:, i] > 0).sum()) for i, c in enumerate(obs.categories)},
        observations=len(obs),
        window=(_day(dates.min()), _day(dates.max())) if len(obs) else None,
        seconds=(datetime.now() - started).total_seconds(),
    )


def _day(value) -> date:
    return pd.Timestamp(value).date()


def _standard_errors(problem: _Problem, x: np.ndarray, delay: int) -> dict[str, float | None]:
    """Standard errors from the Gauss-Newton approximation at the solution: data rows weighted by the
    residuals' robust spread, prior rows by the loss scale. None where no data row moves the number."""
    n = len(x)
    jac_data = np.empty((len(problem.y), n))
    jac_prior = np.empty((len(problem.prior_residuals(x)), n))
    base_d, base_p = problem.data_residuals(x, delay), problem.prior_residuals(x)
    for j in range(n):
        step = 1e-4 * max(1.0, abs(x[j]))
        moved = x.copy()
        moved[j] += step
        jac_data[:, j] = (problem.data_residuals(moved, delay) - base_d) / step
        jac_prior[:, j] = (problem.prior_residuals(moved) - base_p) / step
    spread = 1.4826 * float(np.median(np.abs(base_d))) if len(base_d) else LOSS_SCALE_POINTS
    spread = max(spread, 1.0)  # whole-point rounding alone leaves about half a point
    information = jac_data.T @ jac_data / spread**2 + jac_prior.T @ jac_prior / LOSS_SCALE_POINTS**2
    try:
        cov = np.linalg.pinv(information)
    except np.linalg.LinAlgError:
        return {}
    informed = np.linalg.norm(jac_data, axis=0) > 1e-9
    names = [*SCALARS, *(f"severity:{s}" for s in SEVERITIES), *(f"points:{c}" for c in problem.categories)]
    return {name: (float(np.sqrt(max(cov[i, i], 0.0))) if informed[i] else None) for i, name in enumerate(names)}


# --------------------------------------------------------------------------------------------- scopes
@dataclass(frozen=True)
class Errors:
    """Errors of an estimate against reported ratings on some days (points; band agreement a fraction)."""

    days: int
    mae: float | None
    max_error: float | None
    band_agreement: float | None

    @classmethod
    def of(cls, estimate: np.ndarray, reported: np.ndarray, bands: list[tuple[str, int, int]]) -> Errors:
        if not len(reported):
            return cls(0, None, None, None)
        error = np.abs(estimate - reported)
        agree = band(estimate, bands) == band(reported, bands)
        return cls(len(reported), float(error.mean()), float(error.max()), float(agree.mean()))


@dataclass
class PairCalibration:
    account_id: str
    marketplace_id: str
    scope: str
    parameters_from: str
    result: FitResult
    held_out: Errors
    seeds_held_out: Errors


@dataclass
class Calibration:
    """The outcome of :func:`calibrate`: one fitted set per account x marketplace (empty: none fitted)."""

    pairs: list[PairCalibration] = field(default_factory=list)
    fitted_at: datetime | None = None
    split_date: date | None = None
    fits: int = 0
    seconds: float = 0.0
    skipped_reason: str | None = None

    def frames(self, seeds: Seeds) -> dict[str, pd.DataFrame]:
        """The two calibration tables (``tables.py``) as DataFrames in their column order."""
        from orchestration.calibration.tables import CATEGORY_POINTS_TABLE, PARAMETERS_TABLE, column_names

        rows, points = [], []
        for pc in self.pairs:
            p, se = pc.result.parameters, pc.result.standard_errors
            window = pc.result.window or (None, None)
            rows.append({
                "account_id": pc.account_id, "marketplace_id": pc.marketplace_id, "fit_scope": pc.scope,
                "parameters_from": pc.parameters_from,
                "start_rating": p.start_rating, "start_rating_se": se.get("start_rating"),
                "volume_credit_orders_per_step": p.volume_credit_orders_per_step,
                "volume_credit_points_per_step": p.volume_credit_points_per_step,
                "volume_credit_points_per_step_se": se.get("volume_credit_points_per_step"),
                "volume_credit_max_points": p.volume_credit_max_points,
                "volume_credit_max_points_se": se.get("volume_credit_max_points"),
                "floor_without_serious_violations": p.floor_without_serious_violations,
                "floor_without_serious_violations_se": se.get("floor_without_serious_violations"),
                "critical_override_rating": p.critical_override_rating,
                "critical_override_rating_se": se.get("critical_override_rating"),
                "critical_override_delay_days": p.critical_override_delay_days,
                "observations": pc.result.observations,
                "fit_window_start": window[0], "fit_window_end": window[1],
                "held_out_days": pc.held_out.days or None, "held_out_mae": pc.held_out.mae,
                "held_out_max_error": pc.held_out.max_error, "held_out_band_agreement": pc.held_out.band_agreement,
                "seeds_held_out_mae": pc.seeds_held_out.mae, "seeds_held_out_max_error": pc.seeds_held_out.max_error,
                "fitted_at": self.fitted_at,
            })  # fmt: skip
            for category, value in p.points_per_violation.items():
                points.append({
                    "account_id": pc.account_id, "marketplace_id": pc.marketplace_id, "category": category,
                    "severity": seeds.category_severity.get(category, "unknown"), "points_per_violation": value,
                    "points_per_violation_se": se.get(f"points:{category}"),
                    "open_days": pc.result.open_days.get(category, 0),
                    "is_prior_only": pc.result.open_days.get(category, 0) == 0,
                })  # fmt: skip
        frames = {
            PARAMETERS_TABLE: pd.DataFrame(rows, columns=column_names(PARAMETERS_TABLE)),
            CATEGORY_POINTS_TABLE: pd.DataFrame(points, columns=column_names(CATEGORY_POINTS_TABLE)),
        }
        for frame in frames.values():
            for column in frame.columns:
                if column.endswith(("_se", "_mae", "_error", "_agreement")):
                    frame[column] = frame[column].astype("float64")
        return frames


def seeds_parameters(seeds: Seeds, categories: list[str]) -> Parameters:
    p = seeds.parameters
    return Parameters(
        start_rating=p["start_rating"],
        volume_credit_orders_per_step=p["volume_credit_orders_per_step"],
        volume_credit_points_per_step=p["volume_credit_points_per_step"],
        volume_credit_max_points=p["volume_credit_max_points"],
        floor_without_serious_violations=p["floor_without_serious_violations"],
        critical_override_rating=p["critical_override_rating"],
        critical_override_delay_days=int(p["critical_override_delay_days"]),
        points_per_violation={c: seeds.category_points.get(c, 0.0) for c in categories},
        min_rating=p.get("min_rating", 0.0),
        max_rating=p.get("max_rating", 1000.0),
    )


def calibrate(
    obs: Observations,
    seeds: Seeds,
    *,
    holdout_days: int,
    min_days: int,
    min_observations: int = 30,
    fitted_at: datetime | None = None,
) -> Calibration:
    """Fit every scope, choose one per account x marketplace of ``obs`` (see the module docstring).

    ``obs`` holds every snapshot day (reported or not); the fit learns from days with a reported
    rating and a complete volume count. Fewer than ``min_observations`` such days: nothing is fitted
    (``skipped_reason`` says why) and the estimate keeps the seeds.
    """
    started = datetime.now()
    calibration = Calibration(fitted_at=fitted_at or datetime.now())
    usable = fittable(obs)
    if usable.sum() < min_observations:
        calibration.skipped_reason = (
            f"{int(usable.sum())} reported days with a complete order count (need {min_observations}): "
            "the estimate keeps the seeds"
        )
        return calibration
    scored = obs.subset(usable)
    dates = pd.to_datetime(scored.days["snapshot_date"]).dt.date
    split = max(dates) - pd.Timedelta(days=holdout_days).to_pytimedelta()
    train_mask = (dates <= split).to_numpy()
    if train_mask.sum() < min_observations or (~train_mask).sum() == 0:
        train_mask = np.ones(len(scored), dtype=bool)  # too little to hold out: fit and report no held-out error
        split = None
    calibration.split_date = split
    train, test = scored.subset(train_mask), scored.subset(~train_mask)
    top = seed_prior(seeds, obs.categories, obs.severities)
    seeds_params = seeds_parameters(seeds, obs.categories)
    fits = 0

    def run(subset: Observations, prior: Prior) -> FitResult:
        nonlocal fits
        fits += 1
        return fit(subset, prior, seeds)

    pooled_train = run(train, top)
    pooled_all = run(scored, top) if split is not None else pooled_train
    scored_pairs = scored.pairs()
    accounts = sorted({a for a, _ in scored_pairs})
    account_train, account_all = {}, {}
    for account in accounts:
        in_account = (train.days["account_id"] == account).to_numpy()
        if in_account.sum() >= min_observations:
            account_train[account] = run(train.subset(in_account), pooled_train.as_prior(top))

    def errors(result: FitResult | None, days: Observations) -> Errors:
        if result is None or not len(days):
            return Errors(len(days), None, None, None)
        return Errors.of(predict(result.parameters, days), days.reported, seeds.bands)

    def better(candidate: Errors, incumbent: Errors) -> bool:
        if candidate.mae is None or incumbent.mae is None:
            return False
        return candidate.mae < incumbent.mae - max(1.0, SCOPE_MARGIN * incumbent.mae)

    chosen: dict[tuple[str, str], tuple[str, FitResult | None, Errors]] = {}
    account_wins: dict[str, bool] = {}
    for account in accounts:
        days = test.subset((test.days["account_id"] == account).to_numpy())
        account_wins[account] = account in account_train and better(
            errors(account_train[account], days), errors(pooled_train, days)
        )
    for account, marketplace in scored_pairs:
        pair_test = test.subset(test.pair_mask(account, marketplace))
        pair_train_mask = train.pair_mask(account, marketplace)
        scope, best_fit, best_errors = "pooled", pooled_train, errors(pooled_train, pair_test)
        if account in account_train:
            account_errors = errors(account_train[account], pair_test)
            if better(account_errors, best_errors):
                scope, best_fit, best_errors = "account", account_train[account], account_errors
        if pair_train_mask.sum() >= min_days and split is not None:
            upper = account_train.get(account, pooled_train)
            own = run(train.subset(pair_train_mask), upper.as_prior(top))
            own_errors = errors(own, pair_test)
            if better(own_errors, best_errors):
                scope, best_fit, best_errors = "account_marketplace", own, own_errors
        chosen[(account, marketplace)] = (scope, best_fit, best_errors)

    # Refit the chosen scopes on every reported day, each under the refitted level above.
    def account_fit_all(account: str) -> FitResult:
        if account not in account_all:
            in_account = (scored.days["account_id"] == account).to_numpy()
            account_all[account] = run(scored.subset(in_account), pooled_all.as_prior(top))
        return account_all[account]

    names = {a: [m for aa, m in scored_pairs if aa == a] for a in accounts}
    for (account, marketplace), (scope, _, held_out) in chosen.items():
        if scope == "pooled":
            final, source = pooled_all, _pooled_words(scored_pairs)
        elif scope == "account":
            final, source = account_fit_all(account), f"{account}: {', '.join(names[account])}"
        else:
            upper = account_fit_all(account) if account in account_train else pooled_all
            final = run(scored.subset(scored.pair_mask(account, marketplace)), upper.as_prior(top))
            source = f"{account} {marketplace}: its own ahrScore history"
        pair_test = test.subset(test.pair_mask(account, marketplace))
        calibration.pairs.append(
            PairCalibration(
                account, marketplace, scope, source, final, held_out, errors_of_seeds(seeds_params, pair_test, seeds)
            )
        )
    for account, marketplace in obs.pairs():
        if (account, marketplace) in chosen:
            continue
        if account_wins.get(account):
            final, scope, source = account_fit_all(account), "account", f"{account}: {', '.join(names[account])}"
        else:
            final, scope, source = pooled_all, "pooled", _pooled_words(scored_pairs)
        calibration.pairs.append(
            PairCalibration(
                account, marketplace, scope, source, final, Errors(0, None, None, None), Errors(0, None, None, None)
            )
        )
    calibration.pairs.sort(key=lambda pc: (pc.account_id, pc.marketplace_id))
    calibration.fits = fits
    calibration.seconds = (datetime.now() - started).total_seconds()
    return calibration


def errors_of_seeds(params: Parameters, days: Observations, seeds: Seeds) -> Errors:
    if not len(days):
        return Errors(0, None, None, None)
    return Errors.of(predict(params, days), days.reported, seeds.bands)


def _pooled_words(pairs: list[tuple[str, str]]) -> str:
    listed = "; ".join(f"{a} {m}" for a, m in pairs)
    return f"pooled: {len(pairs)} account x marketplaces with ahrScore ({listed})"
