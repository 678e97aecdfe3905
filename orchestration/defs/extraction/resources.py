"""Resources of the extraction stage: the DuckDB file and the SP-API connection (sandbox or live).

With no live configuration the SP-API resource starts the sandbox emulator in-process for the
duration of a run, so `make demo`, the tests and `dagster dev` need no credentials. Pointing
AHW_SANDBOX_URL at a running `ahw sandbox` uses that one instead; AHW_ACCOUNTS_FILE switches to
Amazon.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import httpx
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from orchestration.config import Settings, load_settings
from orchestration.spapi.accounts import SellerAccount, load_accounts_file
from orchestration.spapi.client import SpApiEndpoint


@dataclass
class SpApiConnection:
    endpoint: SpApiEndpoint
    accounts: list[SellerAccount]
    mode: str


def sandbox_connection(base_url: str) -> SpApiConnection:
    """Describe a running sandbox from its admin endpoint (accounts and fake app credentials)."""
    world = httpx.get(base_url.rstrip("/") + "/_sandbox/world", timeout=10).raise_for_status().json()
    accounts = [
        SellerAccount(
            name=a["name"],
            selling_partner_id=a["seller_id"],
            region=a["region"],
            marketplace_ids=tuple(a["marketplace_ids"]),
            refresh_token_value=a["refresh_token"],
        )
        for a in world["accounts"]
    ]
    endpoint = SpApiEndpoint(
        lwa_url=base_url.rstrip("/") + "/auth/o2/token",
        api_url=base_url,
        lwa_app_id=world["lwa_client_id"],
        lwa_client_secret=world["lwa_client_secret"],
        speed=float(world.get("speed", 1.0)),
        sandbox_admin_url=base_url,
    )
    return SpApiConnection(endpoint, accounts, "sandbox")


def live_connection(settings: Settings) -> SpApiConnection:
    """Amazon: accounts from the accounts file, app credentials from the environment."""
    app_id, secret = os.environ.get("LWA_APP_ID"), os.environ.get("LWA_CLIENT_SECRET")
    if not app_id or not secret:
        raise dg.Failure("live mode needs LWA_APP_ID and LWA_CLIENT_SECRET in the environment")
    assert settings.accounts_file is not None
    endpoint = SpApiEndpoint(lwa_app_id=app_id, lwa_client_secret=secret)
    return SpApiConnection(endpoint, load_accounts_file(settings.accounts_file), "live")


def default_sandbox_end_date() -> date:
    """The embedded world ends yesterday (UTC) unless AHW_SANDBOX_END_DATE says otherwise."""
    configured = os.environ.get("AHW_SANDBOX_END_DATE")
    if configured:
        return date.fromisoformat(configured)
    return datetime.now(UTC).date() - timedelta(days=1)


class SpApiResource(dg.ConfigurableResource):
    """The SP-API the extraction assets talk to; live or sandbox is decided by configuration."""

    sandbox_speed: float = 3600.0
    """Time scale of the embedded sandbox: one Amazon hour per second keeps runs quick."""
    sandbox_volume_scale: float = 1.0

    _connection: SpApiConnection | None = PrivateAttr(default=None)
    _server: object | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        settings = load_settings()
        if settings.is_live:
            self._connection = live_connection(settings)
            return
        if settings.sandbox_url:
            self._connection = sandbox_connection(settings.sandbox_url)
            return
        from orchestration.sandbox import SandboxServer, World, WorldConfig

        world = World(
            WorldConfig(
                seed=settings.sandbox_seed,
                end_date=default_sandbox_end_date(),
                volume_scale=float(os.environ.get("AHW_SANDBOX_VOLUME_SCALE") or self.sandbox_volume_scale),
            )
        )
        # Tokens and document URLs keep their real lifetimes (1 h, 30 s): at 3600x Amazon's 5-minute
        # URL would expire before a large document is rendered. Tests exercise expiry on their own.
        server = SandboxServer(
            world,
            speed=self.sandbox_speed,
            token_ttl_seconds=3600 * self.sandbox_speed,
            url_ttl_seconds=30 * self.sandbox_speed,
        )
        server.start()
        self._server = server
        self._connection = sandbox_connection(server.url)
        if context.log:
            context.log.info(f"embedded SP-API sandbox at {server.url} (world ends {world.end_date})")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def connection(self) -> SpApiConnection:
        if self._connection is None:
            raise RuntimeError("SpApiResource used outside a run")
        return self._connection


class WarehouseDuckDBResource(DuckDBResource):
    """DuckDBResource whose connection is closed also when the work inside fails.

    dagster-duckdb's context manager closes only on success; a connection leaked by a failed step
    keeps the file locked for the rest of the process (the next writer, or a reader with another
    configuration, is refused). Lock contention from another process is retried briefly.
    """

    @contextmanager
    def get_connection(self):
        config = {"custom_user_agent": "dagster", **self.connection_config}
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(10):
            try:
                conn = duckdb.connect(self.database, read_only=False, config=config)
                break
            except duckdb.IOException:
                if attempt == 9:
                    raise
                time.sleep(0.5 * (attempt + 1))
        try:
            yield conn
        finally:
            conn.close()


def duckdb_resource() -> DuckDBResource:
    """The one DuckDB file, from AHW_DUCKDB_PATH (shared with dbt's profile)."""
    return WarehouseDuckDBResource(database=dg.EnvVar("AHW_DUCKDB_PATH"))
