"""``ahw evaluate-rating``: prove the calibrated estimate on sandbox worlds it has never seen.

Each world (a seed) has its own hidden rating rules (``orchestration/sandbox/rating.py``), some
with effects the estimate's form cannot express. For each world this runs the warehouse's own
machinery on a small volume scale -- the sandbox over real HTTP, ``ingest`` (the extraction assets'
work: python-amazon-sp-api client, landing, parsing, loading into raw) for the orders and the seller
performance snapshots, dbt (in-process ``dbtRunner``) for the features, the calibration on the
days before a split date, dbt again for the estimate -- and scores the estimate on what the fit did
not see: the days after the split, on marketplaces with ahrScore (against Amazon's reported
rating, which the sandbox computes from the hidden rules) and on marketplaces without it (against
``World.true_rating``). The same figures for the uncalibrated seeds (var ``rating_model: seeds``)
stand beside them.

Why not the Dagster job: the rating needs only the orders and the V2 snapshots; the job would also
extract feedback, returns and V1 reports and run every gate, export and report, several times the
work per world for nothing the rating reads. The code path of the pieces that matter is the same.

Goals on the held-out days (issue 11): mean absolute error <= 10 points, band agreement >= 99%,
worst error < 50 points. A missed goal is a finding: the table says what the model could not see.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from orchestration.calibration.features import read_observations, read_seeds
from orchestration.calibration.fit import calibrate
from orchestration.calibration.model import band
from orchestration.calibration.tables import replace_tables

log = logging.getLogger(__name__)

GOAL_MAE = 10.0
GOAL_BAND_AGREEMENT = 0.99
GOAL_MAX_ERROR = 50.0
#: The default worlds: the demo's (default seed) and seeds that draw other rules.
DEFAULT_SEEDS = (20261126, 1, 2, 3)
DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
#: What the rating needs from dbt before the calibration (the features) and after it (the estimate).
FEATURE_MODELS = "+int_rating_observations_joined +int_policy_violations_scored"
ESTIMATE_MODELS = "int_account_health_ratings_estimated"


@dataclass(frozen=True)
class EvaluationConfig:
    seeds: Sequence[int] = DEFAULT_SEEDS
    end_date: date = date(2026, 6, 30)
    reported_days: int = 90
    """Days of reported history before the held-out days (the issue's goal needs at least 90)."""
    holdout_days: int = 14
    """The last days of the world, never shown to the fit (time split)."""
    volume_scale: float = 0.05
    calibration_holdout_days: int = 14
    calibration_min_days: int = 60
    work_dir: Path | None = None
    keep: bool = False

    @property
    def snapshot_days(self) -> int:
        return self.reported_days + self.holdout_days

    @property
    def order_days(self) -> int:
        """Orders from 179 days before the first snapshot: every snapshot's 180-day count is complete."""
        return self.snapshot_days + 179


@dataclass
class Scores:
    """Errors of one estimate on some days (points; band agreement a fraction)."""

    days: int = 0
    mae: float | None = None
    max_error: float | None = None
    band_agreement: float | None = None
    worst: str = ""

    @classmethod
    def of(cls, frame: pd.DataFrame, estimate: str, truth: str, bands) -> Scores:
        if frame.empty:
            return cls()
        error = (frame[estimate] - frame[truth]).abs()
        agree = band(frame[estimate].to_numpy(float), bands) == band(frame[truth].to_numpy(float), bands)
        worst = frame.loc[error.idxmax()]
        return cls(
            days=len(frame),
            mae=float(error.mean()),
            max_error=float(error.max()),
            band_agreement=float(agree.mean()),
            worst=f"{worst['account_id']} {worst['marketplace_id']} {worst['rating_date']}: "
            f"{int(worst[estimate])} vs {int(worst[truth])}",
        )

    def meets_goals(self) -> bool:
        return (
            self.mae is not None
            and self.mae <= GOAL_MAE
            and (self.band_agreement or 0) >= GOAL_BAND_AGREEMENT
            and (self.max_error or 0) < GOAL_MAX_ERROR
        )


@dataclass
class WorldResult:
    seed: int
    rules: str
    misspecified: list[str]
    calibrated: dict[str, Scores] = field(default_factory=dict)
    """'reported' (later days, marketplaces with ahrScore), 'unreported' (marketplaces without), 'all'."""
    seeds: dict[str, Scores] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    scopes: dict[str, int] = field(default_factory=dict)


def evaluate(config: EvaluationConfig, *, echo: Callable[[str], None] = print) -> list[WorldResult]:
    """Run every world of ``config`` and return its scores (the CLI prints them)."""
    root = Path(config.work_dir or tempfile.mkdtemp(prefix="ahw-evaluate-"))
    results = []
    try:
        for seed in config.seeds:
            echo(f"world {seed}: extracting {config.order_days} days of orders and {config.snapshot_days} "
                 f"snapshots at volume scale {config.volume_scale} ...")  # fmt: skip
            results.append(evaluate_world(seed, config, root / f"world-{seed}"))
            r = results[-1]
            echo(f"world {seed}: done in {sum(r.seconds.values()):.0f} s")
    finally:
        if not config.keep and config.work_dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return results


def evaluate_world(seed: int, config: EvaluationConfig, work: Path) -> WorldResult:
    from orchestration.config import SANDBOX_PII_SALT
    from orchestration.defs.extraction.resources import sandbox_connection
    from orchestration.ingest import ingest
    from orchestration.sandbox import SandboxServer, World, WorldConfig
    from orchestration.spapi.report_types import REPORT_TYPES
    from orchestration.warehouse.landing import Landing

    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "warehouse.duckdb"
    world = World(
        WorldConfig(seed=seed, end_date=config.end_date, days=config.order_days, volume_scale=config.volume_scale)
    )
    result = WorldResult(seed, world.rules.describe(), world.rules.misspecifications())
    end = config.end_date
    split = end - timedelta(days=config.holdout_days)
    by_table = {rt.raw_table: rt for rt in REPORT_TYPES.values()}
    mark = time.monotonic()
    with SandboxServer(world, speed=3600.0, token_ttl_seconds=3600 * 3600, url_ttl_seconds=30 * 3600) as server:
        connection = sandbox_connection(server.url)
        with duckdb.connect(str(db_path)) as con:
            for table, days in (("orders", config.order_days), ("seller_performance", config.snapshot_days)):
                ingest(
                    by_table[table], [end - timedelta(days=i) for i in reversed(range(days))], connection=con,
                    accounts=connection.accounts, endpoint=connection.endpoint, landing=Landing(work / "landing"),
                    salt=SANDBOX_PII_SALT, on_progress=log.debug,
                )  # fmt: skip
    result.seconds["extract_and_load"] = time.monotonic() - mark

    dbt = DbtInvoker(db_path, work / "dbt")
    mark = time.monotonic()
    dbt("seed")
    dbt("run", "--select", FEATURE_MODELS)
    result.seconds["dbt_features"] = time.monotonic() - mark

    mark = time.monotonic()
    with duckdb.connect(str(db_path)) as con:
        seeds = read_seeds(con)
        observations = read_observations(con, seeds, through=split)  # the fit never sees the held-out days
        everything = read_observations(con, seeds)
        calibration = calibrate(
            observations, seeds, holdout_days=config.calibration_holdout_days, min_days=config.calibration_min_days
        )
        replace_tables(con, calibration.frames(seeds))
    result.seconds["calibrate"] = time.monotonic() - mark
    for pc in calibration.pairs:
        result.scopes[pc.scope] = result.scopes.get(pc.scope, 0) + 1

    estimates = {}
    mark = time.monotonic()
    for model in ("seeds", "calibrated"):
        dbt("run", "--select", f"+{ESTIMATE_MODELS}", "--exclude", FEATURE_MODELS, "--full-refresh",
            variables={"rating_model": model})  # fmt: skip
        # read-write like dbt's own connection: DuckDB refuses a second configuration in one process
        with duckdb.connect(str(db_path)) as con:
            estimates[model] = con.execute(
                f"""select account_id, marketplace_id, rating_date, estimated_ahr, reported_ahr
                from intermediate.{ESTIMATE_MODELS} where rating_date > date '{split.isoformat()}'"""
            ).df()
    result.seconds["dbt_estimate"] = time.monotonic() - mark

    frame = estimates["calibrated"].merge(
        estimates["seeds"][["account_id", "marketplace_id", "rating_date", "estimated_ahr"]],
        on=["account_id", "marketplace_id", "rating_date"], suffixes=("", "_seeds"),
    )  # fmt: skip
    frame["true_ahr"] = [
        world.true_rating(a, m, pd.Timestamp(d).date())
        for a, m, d in zip(frame["account_id"], frame["marketplace_id"], frame["rating_date"], strict=True)
    ]
    reported = frame["reported_ahr"].notna()
    if not (frame.loc[reported, "reported_ahr"] == frame.loc[reported, "true_ahr"]).all():
        raise AssertionError(f"world {seed}: a reported ahrScore differs from the world's true rating")
    for name, part in (("reported", frame[reported]), ("unreported", frame[~reported]), ("all", frame)):
        result.calibrated[name] = Scores.of(part, "estimated_ahr", "true_ahr", seeds.bands)
        result.seeds[name] = Scores.of(part, "estimated_ahr_seeds", "true_ahr", seeds.bands)
    result.findings = _findings(result, observations, everything, calibration, split)
    return result


def _findings(result: WorldResult, fitted_days, all_days, calibration, split: date) -> list[str]:
    """What the model could not know, where the data can tell: rules outside its form, and policy
    categories first open after the split on any marketplace (their points are the prior's)."""
    out = [f"not in the model's form: {m}" for m in result.misspecified]
    fitted = fitted_days.subset(~np.isnan(fitted_days.reported))
    seen = {c for i, c in enumerate(fitted.categories) if (fitted.defects[:, i] > 0).any()}
    later = all_days.subset((pd.to_datetime(all_days.days["snapshot_date"]).dt.date > split).to_numpy())
    open_later = {c for i, c in enumerate(later.categories) if (later.defects[:, i] > 0).any()}
    if open_later - seen:
        out.append(
            f"open after the split, never on a fitted day (prior points): {', '.join(sorted(open_later - seen))}"
        )
    if calibration.skipped_reason:
        out.append(calibration.skipped_reason)
    return out


class DbtInvoker:
    """dbt in-process (dbtRunner) against one DuckDB file, with its own target and log folders."""

    def __init__(self, db_path: Path, work: Path):
        self.db_path, self.work = db_path, work

    def __call__(self, *args: str, variables: dict | None = None) -> None:
        from dbt.cli.main import dbtRunner

        from orchestration.config import load_settings
        from orchestration.defs.transformation.partitions import dbt_connection_vars

        settings = load_settings({"AHW_DUCKDB_PATH": str(self.db_path), "AHW_DATA_DIR": str(self.db_path.parent)})
        cli = [
            *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(self.work / "target"), "--log-path", str(self.work / "logs"), "--quiet",
            "--vars", json.dumps({**dbt_connection_vars(settings), **(variables or {})}),
        ]  # fmt: skip
        outcome = dbtRunner().invoke(cli)
        if not outcome.success:
            failed = [
                f"{r.node.unique_id}: {r.message}"
                for r in getattr(outcome.result, "results", None) or []
                if str(r.status) not in ("success", "pass")
            ]
            raise RuntimeError(f"dbt {' '.join(args)} failed: {outcome.exception or ''} {'; '.join(failed)}")


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def render(results: list[WorldResult], seconds: float):
    """The evaluation as a rich Table: per world and overall, held-out days only, seeds vs calibrated.

    Columns: mean / worst absolute error (points) and band agreement (percent of days), for the
    days after the split on marketplaces with ahrScore (vs Amazon's reported rating) and without
    it (vs the world's true rating)."""
    from rich.table import Table

    table = Table(
        title=f"ahw evaluate-rating: {len(results)} world(s), held-out days only, {seconds:.0f} s "
        f"(goals: MAE <= {GOAL_MAE:.0f}, band agreement >= {GOAL_BAND_AGREEMENT:.0%}, worst < {GOAL_MAX_ERROR:.0f})",
        show_lines=True,
    )
    for column in ("world", "days", "model", "MAE", "worst", "band agree", "goals", "findings"):
        table.add_column(column, overflow="fold")
    overall = {"calibrated": [], "seeds": []}
    for r in results:
        for part in ("reported", "unreported"):
            for model, scores in (("seeds", r.seeds.get(part)), ("calibrated", r.calibrated.get(part))):
                if scores is None or not scores.days:
                    continue
                overall[model].append((part, scores))
                table.add_row(
                    f"{r.seed} {part}" + (f"\n{r.rules}" if part == "reported" and model == "seeds" else ""),
                    str(scores.days),
                    model,
                    _cell(scores.mae, ".1f"),
                    f"{_cell(scores.max_error, '.0f')}\n{scores.worst}",
                    _cell(None if scores.band_agreement is None else 100 * scores.band_agreement, ".1f") + "%",
                    "met" if scores.meets_goals() else "missed",
                    "; ".join(r.findings) if model == "calibrated" and part == "reported" else "",
                )
    for model in ("seeds", "calibrated"):
        parts = overall[model]
        days = sum(s.days for _, s in parts)
        if not days:
            continue
        mae = sum(s.mae * s.days for _, s in parts) / days
        agree = sum(s.band_agreement * s.days for _, s in parts) / days
        worst = max(s.max_error for _, s in parts)
        met = mae <= GOAL_MAE and agree >= GOAL_BAND_AGREEMENT and worst < GOAL_MAX_ERROR
        table.add_row("overall", str(days), model, f"{mae:.1f}", f"{worst:.0f}", f"{100 * agree:.1f}%",
                      "met" if met else "missed", "")  # fmt: skip
    return table
