"""Fixtures for the sandbox tests: a small deterministic world and in-process servers."""

from __future__ import annotations

import gzip
import os
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from orchestration.sandbox import SandboxServer, World, WorldConfig

END = date(2026, 11, 25)
API = "/reports/2021-06-30"


def reference_dir() -> Path:
    """``shared/reference/spapi`` beside the clone (walk up from here), else $AHW_SPAPI_REFERENCE_DIR."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / "spapi"
        if candidate.is_dir():
            return candidate
    env = os.environ.get("AHW_SPAPI_REFERENCE_DIR")
    if env and Path(env).is_dir():
        return Path(env)
    pytest.skip("SP-API reference models not found (set AHW_SPAPI_REFERENCE_DIR)")


@pytest.fixture(scope="session")
def small_world() -> World:
    return World(WorldConfig(end_date=END, days=120, volume_scale=0.05))


@pytest.fixture
def server(small_world):
    with SandboxServer(
        small_world, speed=1000, processing_seconds=2.0, url_ttl_seconds=30_000, token_ttl_seconds=3_600_000
    ) as srv:
        yield srv


class Api:
    """A tiny SP-API caller over httpx for protocol tests (the real client is tested elsewhere)."""

    def __init__(self, srv: SandboxServer, account: str = "acme-home"):
        self.srv = srv
        self.http = httpx.Client(base_url=srv.url, timeout=10)
        self.account = srv.world.account(account)
        self.token = self.login()

    def login(self) -> str:
        w = self.srv.world
        r = self.http.post(
            "/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": self.account.refresh_token,
                "client_id": w.lwa_client_id,
                "client_secret": w.lwa_client_secret,
            },
        )
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    @property
    def headers(self) -> dict:
        return {"x-amz-access-token": self.token}

    def create(
        self,
        report_type: str,
        marketplace_id: str | None = None,
        start: str | None = "2026-11-20T00:00:00Z",
        end: str | None = "2026-11-21T23:59:59Z",
    ) -> httpx.Response:
        body = {"reportType": report_type, "marketplaceIds": [marketplace_id or self.account.marketplace_ids[0]]}
        if start:
            body["dataStartTime"] = start
        if end:
            body["dataEndTime"] = end
        return self.http.post(f"{API}/reports", json=body, headers=self.headers)

    def get(self, report_id: str) -> httpx.Response:
        return self.http.get(f"{API}/reports/{report_id}", headers=self.headers)

    def wait(self, report_id: str, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            doc = self.get(report_id).json()
            if doc["processingStatus"] in ("DONE", "CANCELLED", "FATAL") or time.monotonic() > deadline:
                return doc
            time.sleep(0.005)

    def document(self, document_id: str) -> httpx.Response:
        return self.http.get(f"{API}/documents/{document_id}", headers=self.headers)

    def run(self, report_type: str, **kw) -> tuple[dict, bytes | None]:
        """create -> wait -> document -> download; returns (report, decompressed bytes or None)."""
        r = self.create(report_type, **kw)
        assert r.status_code == 202, r.text
        rep = self.wait(r.json()["reportId"])
        if "reportDocumentId" not in rep:
            return rep, None
        url = self.document(rep["reportDocumentId"]).json()["url"]
        dl = httpx.get(url)
        assert dl.status_code == 200, dl.text
        return rep, gzip.decompress(dl.content)


@pytest.fixture
def api(server) -> Api:
    return Api(server)


@pytest.fixture
def make_api():
    """``make_api(server, account_name)`` for tests that need their own server or another seller."""
    return Api


@pytest.fixture(scope="session")
def spapi_reference() -> Path:
    return reference_dir()
