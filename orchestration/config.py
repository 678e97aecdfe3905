"""One validated settings object, read from the environment (and an optional ``.env`` file).

Every setting of the warehouse is a field here, named after its environment variable; nothing else
in the package reads the environment (the refresh token of a live account is read by name from the
variable its accounts-file entry names, when it is needed, so that it never sits in a settings
object). Live mode is configuration only: nothing branches on how it was configured beyond
``settings.is_live``. Invalid configuration fails at start with every problem listed, one line each,
naming the variable and how to fix it (:class:`SettingsError`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

#: Default seed of the sandbox's synthetic world (the demo and the tests' ground truth).
DEFAULT_SANDBOX_SEED = 20261126
#: Salt for hashing buyer identifiers in sandbox mode only (the sandbox's buyers are invented).
SANDBOX_PII_SALT = "ahw-sandbox-salt"
#: Fernet key of landed buyer data in sandbox mode only (its buyers are invented): fixed and public.
#: Live mode refuses to start without AHW_LANDING_KEY.
DEVELOPMENT_LANDING_KEY = "YWh3LXNhbmRib3gtbGFuZGluZy1rZXktbm90LXNlY3I="


class SettingsError(ValueError):
    """The configuration is invalid; ``problems`` holds one line per wrong or missing setting."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))


#: Set while settings are built from an explicit mapping: then neither the environment nor .env is read.
_EXPLICIT_ONLY: ContextVar[bool] = ContextVar("_EXPLICIT_ONLY", default=False)


def _env(name: str) -> Any:
    return Field(default=None, validation_alias=AliasChoices(name))


class Settings(BaseSettings):
    """Where the warehouse keeps its files, which SP-API it talks to, and how it runs.

    Paths are as configured (relative paths resolve against the working directory); dates are UTC
    days. Field names are the environment variables without their ``AHW_`` prefix.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=True,
        frozen=True,
    )

    data_dir: Path = Field(default=Path("data"), validation_alias=AliasChoices("AHW_DATA_DIR"))
    """AHW_DATA_DIR: data root (landing area, DuckDB file, exports, HTML report, quality page); default ``./data``."""
    duckdb_path_setting: Path | None = _env("AHW_DUCKDB_PATH")
    """AHW_DUCKDB_PATH: the one DuckDB file dbt and Dagster share; default ``$AHW_DATA_DIR/warehouse.duckdb``."""
    accounts_file: Path | None = _env("AHW_ACCOUNTS_FILE")
    """AHW_ACCOUNTS_FILE: live accounts file (JSON); unset means sandbox mode."""
    sandbox_url: str | None = _env("AHW_SANDBOX_URL")
    """AHW_SANDBOX_URL: use an already running ``ahw sandbox`` instead of the embedded one."""
    sandbox_seed: int = Field(default=DEFAULT_SANDBOX_SEED, validation_alias=AliasChoices("AHW_SANDBOX_SEED"))
    """AHW_SANDBOX_SEED: seed of the embedded sandbox world (which world, and its hidden rules)."""
    sandbox_end_date_setting: date | None = _env("AHW_SANDBOX_END_DATE")
    """AHW_SANDBOX_END_DATE: last day of the embedded sandbox world; default yesterday (UTC)."""
    sandbox_volume_scale: float = Field(default=1.0, gt=0, validation_alias=AliasChoices("AHW_SANDBOX_VOLUME_SCALE"))
    """AHW_SANDBOX_VOLUME_SCALE: multiplies the sandbox world's order volumes (tests use small worlds)."""
    pii_salt_secret: SecretStr | None = _env("AHW_PII_SALT")
    """AHW_PII_SALT: salt for hashing buyer identifiers; required in live mode."""
    landing_key_secret: SecretStr | None = _env("AHW_LANDING_KEY")
    """AHW_LANDING_KEY: Fernet key (URL-safe base64 of 32 random bytes) that encrypts landed documents
    holding buyer data (orders, feedback, returns); required in live mode. Sandbox mode uses a fixed,
    public development key (its buyers are invented). Keep the key: landed files cannot be read without it."""
    landing_retention_days: int = Field(default=30, ge=1, validation_alias=AliasChoices("AHW_LANDING_RETENTION_DAYS"))
    """AHW_LANDING_RETENTION_DAYS: days a landed buyer-data document (orders, feedback, returns) is kept after
    its document date (the last day of its window, UTC) before it is purged (default 30, after Amazon's Data
    Protection Policy: delete buyer PII within a limited time). Raw keeps what was loaded from it."""
    partitions_start: date = Field(default=date(2026, 1, 1), validation_alias=AliasChoices("AHW_PARTITIONS_START"))
    """AHW_PARTITIONS_START: first daily partition (UTC day)."""
    history_days: int = Field(default=180, ge=0, le=730, validation_alias=AliasChoices("AHW_HISTORY_DAYS"))
    """AHW_HISTORY_DAYS: days of orders, feedback and returns the first run of an account x marketplace
    extracts, ending with the run's last day (default 180: Amazon's volume credit counts the orders of
    the last 180 days, so a shorter history leaves the estimate's credit short; 0 turns it off).
    Later runs extract only their own partitions."""
    calibration_holdout_days: int = Field(
        default=14, ge=1, le=90, validation_alias=AliasChoices("AHW_CALIBRATION_HOLDOUT_DAYS")
    )
    """AHW_CALIBRATION_HOLDOUT_DAYS: the last reported days (of Amazon's ``ahrScore``) the rating calibration
    holds out to choose each account x marketplace's scope (pooled, per account, its own) and to report
    the error of a fit that did not see them (default 14: two weeks)."""
    calibration_min_days: int = Field(default=60, ge=1, validation_alias=AliasChoices("AHW_CALIBRATION_MIN_DAYS"))
    """AHW_CALIBRATION_MIN_DAYS: reported days an account x marketplace needs before the rating calibration
    fits parameters of its own; with fewer it shares its account's or the pooled ones (default 60: two
    roll-offs of a 30-day metric window and most violations' lifetimes)."""
    lwa_app_id: str | None = _env("LWA_APP_ID")
    """LWA_APP_ID: live mode, the LWA client id of your SP-API application."""
    lwa_client_secret: SecretStr | None = _env("LWA_CLIENT_SECRET")
    """LWA_CLIENT_SECRET: live mode, the LWA client secret of your SP-API application."""
    lwa_endpoint: str | None = _env("AHW_LWA_ENDPOINT")
    """AHW_LWA_ENDPOINT: live mode, the Login with Amazon token URL; default Amazon's
    (``https://api.amazon.com/auth/o2/token``, the ``lwa_token_url`` of ``orchestration/catalogue/regions.csv``).
    Set it to reach an LWA stand-in such as ``ahw sandbox`` (``http://127.0.0.1:8787/auth/o2/token``)."""
    spapi_endpoint_na: str | None = _env("AHW_SPAPI_ENDPOINT_NA")
    """AHW_SPAPI_ENDPOINT_NA: live mode, base URL of the SP-API for North America accounts; default
    Amazon's (``https://sellingpartnerapi-na.amazon.com``, from ``orchestration/catalogue/regions.csv``)."""
    spapi_endpoint_eu: str | None = _env("AHW_SPAPI_ENDPOINT_EU")
    """AHW_SPAPI_ENDPOINT_EU: live mode, base URL of the SP-API for Europe accounts; default Amazon's
    (``https://sellingpartnerapi-eu.amazon.com``)."""
    spapi_endpoint_fe: str | None = _env("AHW_SPAPI_ENDPOINT_FE")
    """AHW_SPAPI_ENDPOINT_FE: live mode, base URL of the SP-API for Far East accounts; default Amazon's
    (``https://sellingpartnerapi-fe.amazon.com``)."""
    duckdb_memory_limit: str = Field(default="1GB", validation_alias=AliasChoices("AHW_DUCKDB_MEMORY_LIMIT"))
    """AHW_DUCKDB_MEMORY_LIMIT: DuckDB buffer pool cap for dbt builds (default 1GB; larger builds spill)."""
    dbt_threads: int = Field(default=2, ge=1, le=64, validation_alias=AliasChoices("AHW_DBT_THREADS"))
    """AHW_DBT_THREADS: dbt threads (the project's reference machine has 2 cores)."""
    duckdb_lock_timeout_seconds: float = Field(
        default=60.0, ge=0, validation_alias=AliasChoices("AHW_DUCKDB_LOCK_TIMEOUT")
    )
    """AHW_DUCKDB_LOCK_TIMEOUT: seconds a writer waits (with backoff) for another process to release the
    DuckDB file before failing with the holder's process id (default 60; DuckDB allows one writer)."""
    max_document_bytes: int = Field(default=4 * 1024**3, gt=0, validation_alias=AliasChoices("AHW_MAX_DOCUMENT_BYTES"))
    """AHW_MAX_DOCUMENT_BYTES: largest decompressed report document accepted, in bytes (default 4 GiB,
    far above a real report: a month of a large seller's orders is a few hundred MB). A larger one, such
    as a gzip bomb, is refused as soon as the limit is passed; documents are streamed, so memory does
    not grow with this value."""
    max_snapshot_bytes: int = Field(default=64 * 1024**2, gt=0, validation_alias=AliasChoices("AHW_MAX_SNAPSHOT_BYTES"))
    """AHW_MAX_SNAPSHOT_BYTES: largest JSON/XML seller performance document, in bytes (default 64 MiB;
    real ones are a few kB). These are read whole, so this bounds their memory."""
    load_memory_limit: str = Field(default="128MB", validation_alias=AliasChoices("AHW_LOAD_MEMORY_LIMIT"))
    """AHW_LOAD_MEMORY_LIMIT: DuckDB buffer pool cap while a document is staged (default 128MB; larger
    tables spill to disk): with 256MB the staging of a 2 GB document alone reached 500 MB of process
    memory (bench/bench_parse_memory.py). Restored to the connection's own limit after each load."""
    audit_memory_limit: str = Field(default="64MB", validation_alias=AliasChoices("AHW_AUDIT_MEMORY_LIMIT"))
    """AHW_AUDIT_MEMORY_LIMIT: DuckDB buffer pool cap while the raw gate validates new versions and publishes
    them (default 64MB). Lower than the load's: Great Expectations takes ~150 MB of the process once it is
    imported, and the gate streams each frame in 8,192-row chunks and counts duplicates in DuckDB, which
    spills beyond the cap; with it a 2 GB document is audited and published under 500 MB of process
    memory (bench/bench_parse_memory.py). Restored afterwards."""
    max_rejected_row_share: float = Field(
        default=0.05, ge=0, le=1, validation_alias=AliasChoices("AHW_MAX_REJECTED_ROW_SHARE")
    )
    """AHW_MAX_REJECTED_ROW_SHARE: fraction (0-1) of a flat file's rows that may be kept aside in
    raw.rejected_rows because their field count does not match the header; above it the whole
    document is refused (default 0.05). One such row is always tolerated, however small the document."""
    sqs_queue_url: str | None = _env("AHW_SQS_QUEUE_URL")
    """AHW_SQS_QUEUE_URL: live mode, the Amazon SQS queue Amazon delivers ACCOUNT_STATUS_CHANGED
    notifications to (``https://sqs.<region>.amazonaws.com/<aws account>/<name>``); unset means no
    notifications in live mode. The sandbox brings its own local queue and ignores this."""
    sqs_queue_arn_setting: str | None = _env("AHW_SQS_QUEUE_ARN")
    """AHW_SQS_QUEUE_ARN: the queue's ARN for ``createDestination``; default derived from AHW_SQS_QUEUE_URL."""
    sqs_region_setting: str | None = _env("AHW_SQS_REGION")
    """AHW_SQS_REGION: AWS region of the queue; default the region in AHW_SQS_QUEUE_URL."""
    aws_access_key_id: str | None = _env("AHW_AWS_ACCESS_KEY_ID")
    """AHW_AWS_ACCESS_KEY_ID: live mode, access key of the AWS user that reads and deletes queue messages."""
    aws_secret_access_key: SecretStr | None = _env("AHW_AWS_SECRET_ACCESS_KEY")
    """AHW_AWS_SECRET_ACCESS_KEY: its secret key (passed to boto3 explicitly, never logged)."""
    sqs_wait_seconds: int = Field(default=10, ge=0, le=20, validation_alias=AliasChoices("AHW_SQS_WAIT_SECONDS"))
    """AHW_SQS_WAIT_SECONDS: long-poll wait of one receive call, seconds (SQS allows 0-20; default 10)."""
    sqs_visibility_timeout_seconds: int = Field(
        default=120, ge=1, le=43200, validation_alias=AliasChoices("AHW_SQS_VISIBILITY_TIMEOUT")
    )
    """AHW_SQS_VISIBILITY_TIMEOUT: seconds a received message stays hidden before SQS offers it again
    (default 120: longer than recording a batch takes, short enough that a message left in the queue
    by a crash or a locked warehouse comes back within minutes)."""
    dagster_home_setting: Path | None = _env("DAGSTER_HOME")
    """DAGSTER_HOME: the Dagster instance every run is recorded in (the UI, the daemon, ``ahw run``,
    ``ahw demo``); default ``$AHW_DATA_DIR/dagster_home``. The project writes its ``dagster.yaml`` there
    (telemetry off, one DuckDB writer at a time) when the folder has none."""
    alert_urls_secret: SecretStr | None = _env("AHW_ALERT_URLS")
    """AHW_ALERT_URLS: comma-separated Apprise URLs alerts are delivered to (``slack://...``,
    ``mailto://...``, ``json://...``); unset means alerts are only recorded. Secret: URLs carry tokens
    and passwords, so they are never logged or stored (deliveries record the scheme and a hash)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if _EXPLICIT_ONLY.get():
            return (init_settings,)
        return (init_settings, env_settings, dotenv_settings)

    # ------------------------------------------------------------------------------ validation
    @field_validator("sandbox_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8787")
        return value or None

    @field_validator("lwa_endpoint", "spapi_endpoint_na", "spapi_endpoint_eu", "spapi_endpoint_fe")
    @classmethod
    def _endpoint_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://sellingpartnerapi-na.amazon.com")
        return value.rstrip("/") if value else None

    @field_validator("sqs_queue_url")
    @classmethod
    def _queue_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be the queue's URL, such as https://sqs.us-east-1.amazonaws.com/123456789012/ahw")
        return value or None

    @field_validator("sqs_queue_arn_setting")
    @classmethod
    def _queue_arn(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"arn:aws[\w-]*:sqs:\S+:\d+:\S+", value):
            raise ValueError("must be an SQS queue ARN such as arn:aws:sqs:us-east-1:123456789012:ahw")
        return value or None

    @field_validator("landing_key_secret")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from cryptography.fernet import Fernet

            try:
                Fernet(value.get_secret_value())
            except (ValueError, TypeError):
                raise ValueError(
                    "must be a Fernet key (URL-safe base64 of 32 bytes); make one with: python -c "
                    '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
                ) from None
        return value

    @field_validator("duckdb_memory_limit", "load_memory_limit", "audit_memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", value, re.IGNORECASE):
            raise ValueError("must be a size such as 512MB or 2GB")
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems = []
        if self.data_dir.exists() and not self.data_dir.is_dir():
            problems.append(f"AHW_DATA_DIR: {self.data_dir} is a file, not a folder; point it at a folder")
        if self.dagster_home_setting and self.dagster_home_setting.exists() and not self.dagster_home_setting.is_dir():
            problems.append(f"DAGSTER_HOME: {self.dagster_home_setting} is a file, not a folder; point it at a folder")
        if self.duckdb_path.exists() and self.duckdb_path.is_dir():
            problems.append(f"AHW_DUCKDB_PATH: {self.duckdb_path} is a folder; point it at a .duckdb file")
        if self.is_live and self.sqs_queue_url and not (self.aws_access_key_id and self.aws_secret_access_key):
            problems.append(
                "AHW_AWS_ACCESS_KEY_ID / AHW_AWS_SECRET_ACCESS_KEY: must be set with AHW_SQS_QUEUE_URL (the keys of "
                "the AWS user allowed to receive and delete the queue's messages)"
            )
        if self.is_live and self.sqs_queue_url and self.sqs_queue_arn is None:
            problems.append(
                "AHW_SQS_QUEUE_ARN: cannot be derived from AHW_SQS_QUEUE_URL; set it "
                "(arn:aws:sqs:<region>:<aws account>:<queue name>)"
            )
        if self.is_live and self.pii_salt_secret is None:
            problems.append(
                "AHW_PII_SALT: must be set in live mode (buyer identifiers are salted-hashed before they "
                "reach raw); set it to a long random string and keep it"
            )
        if self.is_live and self.landing_key_secret is None:
            problems.append(
                "AHW_LANDING_KEY: must be set in live mode (landed orders, feedback and returns are encrypted "
                "with it); make one with Fernet.generate_key() and keep it"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # ------------------------------------------------------------------------------ derived
    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file (AHW_DUCKDB_PATH, else ``$AHW_DATA_DIR/warehouse.duckdb``)."""
        return self.duckdb_path_setting or self.data_dir / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        """Raw documents exactly as received."""
        return self.data_dir / "landing"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance folder (DAGSTER_HOME, else ``$AHW_DATA_DIR/dagster_home``), absolute."""
        return (self.dagster_home_setting or self.data_dir / "dagster_home").resolve()

    @property
    def log_dir(self) -> Path:
        """Full logs of command-line runs (``ahw run``, ``ahw demo``), one file per run."""
        return self.data_dir / "logs"

    @property
    def serving_dir(self) -> Path:
        """The read-only serving copy for BI tools (``warehouse.duckdb`` of the published marts)."""
        return self.data_dir / "serving"

    @property
    def report_dir(self) -> Path:
        """The HTML account-health report (index.html and one page per account x marketplace)."""
        return self.data_dir / "report"

    @property
    def is_live(self) -> bool:
        """Live mode is chosen only by pointing AHW_ACCOUNTS_FILE at an accounts file."""
        return self.accounts_file is not None

    @property
    def spapi_endpoints(self) -> dict[str, str]:
        """The configured SP-API base URL per region (NA, EU, FE); a region left out uses Amazon's."""
        configured = {"NA": self.spapi_endpoint_na, "EU": self.spapi_endpoint_eu, "FE": self.spapi_endpoint_fe}
        return {region: url for region, url in configured.items() if url}

    @property
    def pii_salt(self) -> str:
        """The salt for buyer identifiers (a fixed development salt in sandbox mode)."""
        return self.pii_salt_secret.get_secret_value() if self.pii_salt_secret else SANDBOX_PII_SALT

    @property
    def landing_key(self) -> str:
        """The Fernet key of landed buyer data (the public development key in sandbox mode)."""
        return self.landing_key_secret.get_secret_value() if self.landing_key_secret else DEVELOPMENT_LANDING_KEY

    @property
    def landing_purge_before(self) -> date:
        """Landed buyer-data documents dated before this UTC day are due for purging: today minus
        AHW_LANDING_RETENTION_DAYS; in sandbox mode "today" is the day after the world's last day (the
        sandbox's clock never passes its end), so a world of any date behaves like a live account."""
        today = datetime.now(UTC).date() if self.is_live else self.sandbox_end_date + timedelta(days=1)
        return today - timedelta(days=self.landing_retention_days)

    @property
    def sqs_queue_arn(self) -> str | None:
        """AHW_SQS_QUEUE_ARN, else derived from the queue URL (``https://sqs.<region>.amazonaws.com/<id>/<name>``)."""
        if self.sqs_queue_arn_setting or not self.sqs_queue_url:
            return self.sqs_queue_arn_setting
        match = re.fullmatch(
            r"https?://sqs[.-]([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(\d+)/([\w-]+)/?", self.sqs_queue_url
        )
        return f"arn:aws:sqs:{match[1]}:{match[2]}:{match[3]}" if match else None

    @property
    def sqs_region(self) -> str | None:
        """AHW_SQS_REGION, else the region of the queue's ARN."""
        arn = self.sqs_queue_arn
        return self.sqs_region_setting or (arn.split(":")[3] if arn else None)

    @property
    def alert_urls(self) -> list[str]:
        """The Apprise URLs of AHW_ALERT_URLS (split the way Apprise splits them: a ``to=a,b`` inside a URL stays)."""
        if self.alert_urls_secret is None:
            return []
        from apprise.utils.parse import parse_urls

        return [u for u in parse_urls(self.alert_urls_secret.get_secret_value()) if u]

    @property
    def sandbox_end_date(self) -> date:
        """Last day of the embedded sandbox world: AHW_SANDBOX_END_DATE, else yesterday (UTC)."""
        return self.sandbox_end_date_setting or datetime.now(UTC).date() - timedelta(days=1)


def _problems(error: ValidationError) -> list[str]:
    aliases = {name: field.validation_alias for name, field in Settings.model_fields.items()}
    lines = []
    for item in error.errors():
        loc = item.get("loc") or ()
        name = loc[0] if loc else ""
        alias = aliases.get(name)
        variable = alias.choices[0] if isinstance(alias, AliasChoices) else name
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        if variable:
            value = item.get("input")
            secret = any(word in str(variable) for word in ("SECRET", "SALT", "ALERT_URLS", "KEY"))
            shown = "" if secret else f" (got {value!r})"
            lines.append(f"{variable}: {message}{shown}")
        else:
            lines.extend(message.splitlines())
    return lines


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``env`` (default: the process environment and ``./.env``).

    Raises :class:`SettingsError` listing every invalid setting at once.
    """
    try:
        if env is None:
            return Settings()
        known = {a for f in Settings.model_fields.values() for a in f.validation_alias.choices}
        token = _EXPLICIT_ONLY.set(True)
        try:
            return Settings(**{k: v for k, v in env.items() if k in known and v != ""})
        finally:
            _EXPLICIT_ONLY.reset(token)
    except ValidationError as exc:
        raise SettingsError(_problems(exc)) from None
