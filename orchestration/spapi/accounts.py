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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestration.catalogue import REGION_ENDPOINTS, marketplace


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


class _AccountEntry(BaseModel):
    """One entry of the accounts file, as written by the user."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
    selling_partner_id: str = Field(min_length=1, max_length=64)
    region: str
    marketplaces: list[str] = Field(min_length=1)
    refresh_token_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value.upper() not in REGION_ENDPOINTS:
            raise ValueError(f"unknown region {value!r}; one of {', '.join(REGION_ENDPOINTS)}")
        return value.upper()


class _AccountsFile(BaseModel):
    accounts: list[_AccountEntry] = Field(min_length=1)


def _entry_problems(path: Path, error: ValidationError, document: dict) -> list[str]:
    problems = []
    for item in error.errors():
        loc = list(item.get("loc") or ())
        where = f"accounts file {path}"
        if len(loc) >= 2 and loc[0] == "accounts" and isinstance(loc[1], int):
            entry = document["accounts"][loc[1]]
            label = entry.get("name") if isinstance(entry, dict) and entry.get("name") else f"#{loc[1] + 1}"
            where += f", account {label}"
            loc = loc[2:]
        field_name = ".".join(str(part) for part in loc)
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        if item.get("type") == "model_type" and not field_name:
            message = "must be an object with name, selling_partner_id, region, marketplaces, refresh_token_env"
        problems.append(f"{where}: {field_name + ' ' if field_name else ''}{message}".rstrip())
    return problems


def load_accounts_file(path: Path) -> list[SellerAccount]:
    """Read a live accounts file; AccountConfigError lists every problem, one line each.

    Format (JSON)::

        {"accounts": [{"name": "acme-us", "selling_partner_id": "A1...", "region": "NA",
                       "marketplaces": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                       "refresh_token_env": "AHW_REFRESH_TOKEN_ACME_US"}]}
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccountConfigError(f"accounts file {path} does not exist (AHW_ACCOUNTS_FILE)") from None
    except IsADirectoryError:
        raise AccountConfigError(f"accounts file {path} is a folder, not a JSON file (AHW_ACCOUNTS_FILE)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AccountConfigError(f"accounts file {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("accounts"), list):
        raise AccountConfigError(f'accounts file {path} must be a JSON object with an "accounts" list')
    try:
        parsed = _AccountsFile.model_validate(document)
    except ValidationError as exc:
        raise AccountConfigError("\n".join(_entry_problems(path, exc, document))) from None
    problems = []
    for entry in parsed.accounts:
        for marketplace_id in entry.marketplaces:
            try:
                found = marketplace(marketplace_id)
            except KeyError as exc:
                problems.append(f"accounts file {path}, account {entry.name}: {exc.args[0]}")
                continue
            if found.region != entry.region:
                problems.append(
                    f"accounts file {path}, account {entry.name}: marketplace {marketplace_id} is in region "
                    f"{found.region}, not {entry.region}"
                )
    names = [e.name for e in parsed.accounts]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"accounts file {path}: account names must be unique ({', '.join(duplicates)})")
    if problems:
        raise AccountConfigError("\n".join(problems))
    return [
        SellerAccount(
            name=e.name,
            selling_partner_id=e.selling_partner_id,
            region=e.region,
            marketplace_ids=tuple(e.marketplaces),
            refresh_token_env=e.refresh_token_env,
        )
        for e in parsed.accounts
    ]
