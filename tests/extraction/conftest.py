"""A sandbox SP-API served over real HTTP for the extraction tests, with a small, fixed world."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.sandbox import SandboxServer, World, WorldConfig
from orchestration.spapi.accounts import SellerAccount
from orchestration.spapi.client import SpApiEndpoint

WORLD_END = date(2026, 6, 30)
SPEED = 2000.0


@pytest.fixture(scope="module")
def world() -> World:
    return World(WorldConfig(seed=7, end_date=WORLD_END, days=200, volume_scale=0.05))


@pytest.fixture(scope="module")
def sandbox(world):
    server = SandboxServer(world, speed=SPEED, token_ttl_seconds=3600 * SPEED)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(sandbox):
    """The module's sandbox with no faults left over from another test."""
    sandbox.faults.clear()
    yield sandbox
    sandbox.faults.clear()


def endpoint_for(server, world, *, secret: str | None = None, speed: float = SPEED) -> SpApiEndpoint:
    return SpApiEndpoint(
        lwa_url=server.url + "/auth/o2/token",
        api_url=server.url,
        lwa_app_id=world.lwa_client_id,
        lwa_client_secret=secret if secret is not None else world.lwa_client_secret,
        speed=speed,
        sandbox_admin_url=server.url,
    )


def accounts_of(world) -> list[SellerAccount]:
    return [
        SellerAccount(a.name, a.seller_id, a.region, tuple(a.marketplace_ids), refresh_token_value=a.refresh_token)
        for a in world.accounts
    ]


@pytest.fixture
def endpoint(server, world) -> SpApiEndpoint:
    return endpoint_for(server, world)


@pytest.fixture
def accounts(world) -> list[SellerAccount]:
    return accounts_of(world)
