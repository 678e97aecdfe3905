"""Seller accounts the warehouse extracts: from a live accounts file, or the sandbox's world.

The accounts file names the environment variable that holds each refresh token, so the file itself
can be committed or shared without carrying a secret.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.spapi.marketplaces import REGION_ENDPOINTS, marketplace


@dataclass(frozen=True)
class SellerAccount:
    name: str
    """The configured account name: ``account_id`` in every table."""
    selling_partner_id: str
    region: str
    marketplace_ids: tuple[str, ...]
    refresh_token_env: str | None = None
    """Live mode: name of the environment variable holding the refresh token."""
    refresh_token_value: str | None = field(default=None, repr=False)
    """Sandbox mode: the sandbox's fake refresh token (never a real secret)."""

    def refresh_token(self, env: Mapping[str, str] | None = None) -> str:
        """The refresh token, read from the environment at the moment it is needed."""
        if self.refresh_token_value is not None:
            return self.refresh_token_value
        env = os.environ if env is None else env
        token = env.get(self.refresh_token_env or "")
        if not token:
            raise AccountConfigError(
                f"account {self.name!r}: environment variable {self.refresh_token_env!r} (its refresh token) is not set"
            )
        return token


class AccountConfigError(ValueError):
    """The accounts file or the environment it refers to is incomplete or wrong."""


def load_accounts_file(path: Path) -> list[SellerAccount]:
    """Read a live accounts file.

    Format (JSON)::

        {"accounts": [{"name": "acme-us", "selling_partner_id": "A1...", "region": "NA",
                       "marketplaces": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                       "refresh_token_env": "AHW_REFRESH_TOKEN_ACME_US"}]}
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccountConfigError(f"accounts file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise AccountConfigError(f"accounts file {path} is not valid JSON: {exc}") from None
    entries = document.get("accounts") if isinstance(document, dict) else None
    if not entries:
        raise AccountConfigError(f"accounts file {path} has no 'accounts' list")
    accounts = []
    for i, entry in enumerate(entries):
        missing = [
            k for k in ("name", "selling_partner_id", "region", "marketplaces", "refresh_token_env") if not entry.get(k)
        ]
        if missing:
            raise AccountConfigError(f"accounts file {path}, account #{i + 1}: missing {', '.join(missing)}")
        region = entry["region"].upper()
        if region not in REGION_ENDPOINTS:
            raise AccountConfigError(f"account {entry['name']!r}: unknown region {region!r}")
        for marketplace_id in entry["marketplaces"]:
            try:
                found = marketplace(marketplace_id)
            except KeyError as exc:
                raise AccountConfigError(f"account {entry['name']!r}: {exc.args[0]}") from None
            if found.region != region:
                raise AccountConfigError(
                    f"account {entry['name']!r}: marketplace {marketplace_id} is in region {found.region}, not {region}"
                )
        accounts.append(
            SellerAccount(
                name=entry["name"],
                selling_partner_id=entry["selling_partner_id"],
                region=region,
                marketplace_ids=tuple(entry["marketplaces"]),
                refresh_token_env=entry["refresh_token_env"],
            )
        )
    names = [a.name for a in accounts]
    if len(set(names)) != len(names):
        raise AccountConfigError(f"accounts file {path}: account names must be unique")
    return accounts
