"""Resources of the extraction stage: the DuckDB file and the SP-API connection (sandbox or live).

With no live configuration the SP-API resource starts the sandbox emulator in-process for the
duration of a run, so `make demo`, the tests and `dagster dev` need no credentials. Pointing
AHW_SANDBOX_URL at a running `ahw sandbox` uses that one instead; AHW_ACCOUNTS_FILE switches to
Amazon.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import httpx
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from orchestration.config import Settings, load_settings
from orchestration.spapi.accounts import SellerAccount, load_accounts_file
from orchestration.spapi.client import LIVE_LWA_URL, SpApiEndpoint


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
    """Amazon: accounts from the accounts file, app credentials and endpoints from the settings (Amazon's
    LWA and regional SP-API endpoints unless AHW_LWA_ENDPOINT / AHW_SPAPI_ENDPOINT_<REGION> say otherwise)."""
    if not settings.lwa_app_id or settings.lwa_client_secret is None:
        raise dg.Failure("live mode needs LWA_APP_ID and LWA_CLIENT_SECRET in the environment")
    assert settings.accounts_file is not None
    endpoint = SpApiEndpoint(
        lwa_url=settings.lwa_endpoint or LIVE_LWA_URL,
        region_urls=tuple(sorted(settings.spapi_endpoints.items())),
        lwa_app_id=settings.lwa_app_id,
        lwa_client_secret=settings.lwa_client_secret.get_secret_value(),
    )
    return SpApiConnection(endpoint, load_accounts_file(settings.accounts_file), "live")


class SpApiResource(dg.ConfigurableResource):
    """The SP-API the extraction assets talk to; live or sandbox is decided by configuration."""

    sandbox_speed: float = 3600.0
    """Time scale of the embedded sandbox: one Amazon hour per second keeps runs quick."""
    sandbox_end_date: str | None = None
    """Last day of the embedded world (YYYY-MM-DD); default AHW_SANDBOX_END_DATE, else yesterday (UTC)."""
    sandbox_url: str | None = None
    """A running sandbox to use for this run (the demo's, which also publishes notifications); default
    AHW_SANDBOX_URL, else an embedded one."""

    _connection: SpApiConnection | None = PrivateAttr(default=None)
    _server: object | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        settings = load_settings()
        if settings.is_live:
            self._connection = live_connection(settings)
            return
        if self.sandbox_url or settings.sandbox_url:
            self._connection = sandbox_connection(self.sandbox_url or settings.sandbox_url)
            return
        from orchestration.sandbox import SandboxServer, World, WorldConfig

        end = date.fromisoformat(self.sandbox_end_date) if self.sandbox_end_date else settings.sandbox_end_date
        world = World(WorldConfig(seed=settings.sandbox_seed, end_date=end, volume_scale=settings.sandbox_volume_scale))
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
    configuration, is refused). A lock held by another process is waited for with backoff up to
    AHW_DUCKDB_LOCK_TIMEOUT, then the step fails with one line naming the holder's process id
    (``orchestration.warehouse.connection``). The file is the settings' (AHW_DUCKDB_PATH) when
    ``database`` is left empty, read when a run opens it.
    """

    database: str = ""

    @contextmanager
    def get_connection(self):
        from orchestration.warehouse.connection import WarehouseLocked, connect

        config = {"custom_user_agent": "dagster", **self.connection_config}
        database = self.database or str(load_settings().duckdb_path)
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = connect(database, config=config, on_wait=dg.get_dagster_logger().info)
        except WarehouseLocked as exc:
            raise dg.Failure(str(exc), allow_retries=False) from None
        try:
            yield conn
        finally:
            conn.close()


def duckdb_resource() -> DuckDBResource:
    """The one DuckDB file of the settings (shared with dbt's profile through --vars)."""
    return WarehouseDuckDBResource()
