"""Build python-amazon-sp-api ``ReportsV2`` and ``Notifications`` clients for Amazon or for the sandbox.

The same client class talks to both; only the SP-API base URL and the LWA token URL differ (both are
configuration: AHW_LWA_ENDPOINT and AHW_SPAPI_ENDPOINT_<REGION>, Amazon's by default). Notes
from using python-amazon-sp-api 2.1.35 here:
- the LWA host is a class attribute of ``AccessTokenClient``: a subclass carries the sandbox's;
- the ``host`` header is derived by cutting ``https://`` off the endpoint, wrong for http URLs;
- access tokens are cached process-wide, keyed by refresh token (``clear_token_cache``);
- the client logs request headers (incl. the access token) at DEBUG: keep its logger at INFO;
- its ``Marketplaces`` enum lists some marketplaces only, but the client reads just ``endpoint``,
  ``marketplace_id`` and ``region`` off it: any catalogue marketplace (or an id the catalogue does not
  know yet, on the account's region) is passed as a small object with those attributes.
"""

from __future__ import annotations

import functools
import logging
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlparse

import httpx
from sp_api.api import Notifications, ReportsV2
from sp_api.auth import access_token_client
from sp_api.auth.access_token_client import AccessTokenClient

from orchestration.catalogue import MARKETPLACES, REGION_ENDPOINTS, REGIONS
from orchestration.spapi.accounts import SellerAccount

#: Amazon's LWA token URL (global; the catalogue lists it per region, all the same).
LIVE_LWA_URL = REGIONS["NA"].lwa_token_url

# Request headers carry the access token; never let them reach a log.
logging.getLogger("sp_api").setLevel(logging.INFO)


@dataclass(frozen=True)
class SpApiEndpoint:
    """Where the SP-API and LWA live, and the app credentials. Live and sandbox differ only here."""

    lwa_url: str = LIVE_LWA_URL
    api_url: str | None = None
    """Base URL of the SP-API for every region (the sandbox); None means per region, below."""
    region_urls: tuple[tuple[str, str], ...] = ()
    """(region, base URL) pairs overriding Amazon's endpoint of a region (AHW_SPAPI_ENDPOINT_<REGION>)."""
    lwa_app_id: str = field(default="", repr=False)
    lwa_client_secret: str = field(default="", repr=False)
    speed: float = 1.0
    """Time scale of the server's usage plans (1 for Amazon; the sandbox runs faster)."""
    sandbox_admin_url: str | None = None
    """Set only for the sandbox: its clock can be moved for snapshot backfills."""

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox_admin_url is not None

    def region_url(self, region: str) -> str:
        """The SP-API base URL for ``region``: the one URL set for all, the region's override, else Amazon's."""
        return (self.api_url or dict(self.region_urls).get(region) or REGION_ENDPOINTS[region]).rstrip("/")

    def base_url(self, account: SellerAccount) -> str:
        return self.region_url(account.region)


class _ReportsClient(ReportsV2):
    """ReportsV2 with a ``host`` header right for any scheme."""

    @property
    def headers(self):
        headers = super().headers
        headers["host"] = urlparse(self.endpoint).netloc
        return headers


def _token_client_class(lwa_url: str) -> type[AccessTokenClient]:
    if lwa_url == LIVE_LWA_URL:
        return AccessTokenClient
    parsed = urlparse(lwa_url)
    return type(
        "ConfiguredAccessTokenClient",
        (AccessTokenClient,),
        {"scheme": f"{parsed.scheme}://", "host": parsed.netloc, "path": parsed.path or "/auth/o2/token"},
    )


#: AWS region python-amazon-sp-api associates with each SP-API region (informational since SigV4 ended).
_AWS_REGIONS = {"NA": "us-east-1", "EU": "eu-west-1", "FE": "us-west-2"}


@dataclass(frozen=True)
class SpApiMarketplace:
    """What python-amazon-sp-api's client reads off a ``Marketplaces`` member, for any marketplace id."""

    endpoint: str
    marketplace_id: str
    region: str


def _sp_api_marketplace(marketplace_id: str, region: str) -> SpApiMarketplace:
    """The marketplace as the client wants it; the catalogue's region when known, else the account's."""
    known = MARKETPLACES.get(marketplace_id)
    spapi_region = known.region if known else region
    return SpApiMarketplace(REGION_ENDPOINTS[spapi_region], marketplace_id, _AWS_REGIONS[spapi_region])


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The one TLS context of every client this process builds.

    python-amazon-sp-api gives each client (and its token client) its own httpx client, which builds a
    new context from the CA bundle each time (~30 ms). One report request builds a client, so a
    first run of 2,000 reports spent over a minute there. A context is safe to share across threads;
    this one verifies exactly as httpx's default does (CA bundle, ``SSL_CERT_FILE``/``SSL_CERT_DIR``).
    """
    return httpx.create_ssl_context()


def reports_client(endpoint: SpApiEndpoint, account: SellerAccount, marketplace_id: str) -> ReportsV2:
    """A ReportsV2 client for one account and marketplace (one marketplace per report request)."""
    client = _ReportsClient(
        marketplace=_sp_api_marketplace(marketplace_id, account.region),
        refresh_token=account.refresh_token(),
        credentials={"lwa_app_id": endpoint.lwa_app_id, "lwa_client_secret": endpoint.lwa_client_secret},
        auth_token_client_class=_token_client_class(endpoint.lwa_url),
        timeout=30,
        verify=_tls_context(),
    )
    client.endpoint = endpoint.base_url(account)
    client.marketplace_id = marketplace_id
    return client


def clear_token_cache() -> None:
    """Forget cached access tokens (process-global in python-amazon-sp-api)."""
    access_token_client.cache.clear()
    access_token_client.grantless_cache.clear()


class _NotificationsClient(Notifications):
    """Notifications with a ``host`` header right for any scheme, for seller and grantless calls alike
    (python-amazon-sp-api builds the grantless headers itself, cutting ``https://`` off the endpoint)."""

    @property
    def headers(self):
        headers = super().headers
        headers["host"] = urlparse(self.endpoint).netloc
        return headers

    def _request(self, path, *, headers=None, **kwargs):
        if headers is not None:
            headers = {**headers, "host": urlparse(self.endpoint).netloc}
        return super()._request(path, headers=headers, **kwargs)


def notifications_client(endpoint: SpApiEndpoint, account: SellerAccount | None, region: str) -> Notifications:
    """A Notifications API client: for ``account``'s subscriptions, or (account None) the application's
    grantless destination calls, whose LWA token comes from ``grant_type=client_credentials``.

    ``region`` (NA, EU, FE) picks Amazon's endpoint in live mode. The grantless client's refresh token is
    only a cache key naming the LWA server and app (python-amazon-sp-api caches grantless tokens under
    the refresh token; the grantless request itself never sends one).
    """
    first_of_region = next(m.marketplace_id for m in MARKETPLACES.values() if m.region == region)
    marketplace = _sp_api_marketplace(account.marketplace_ids[0] if account else first_of_region, region)
    refresh_token = account.refresh_token() if account else f"grantless|{endpoint.lwa_url}|{endpoint.lwa_app_id}"
    client = _NotificationsClient(
        marketplace=marketplace,
        refresh_token=refresh_token,
        credentials={"lwa_app_id": endpoint.lwa_app_id, "lwa_client_secret": endpoint.lwa_client_secret},
        auth_token_client_class=_token_client_class(endpoint.lwa_url),
        timeout=30,
        verify=_tls_context(),
    )
    client.endpoint = endpoint.region_url(region)
    return client
