"""Configuration read from the environment, with defaults that run everything against the sandbox.

One place decides where data lives and whether we talk to Amazon or to the local emulator, so
that live mode is configuration only: nothing else in the code branches on how it was configured
beyond asking ``settings.is_live``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: Default seed of the sandbox's synthetic world (the demo and the tests' ground truth).
DEFAULT_SANDBOX_SEED = 20261126


@dataclass(frozen=True)
class Settings:
    """Where the warehouse keeps its files and which SP-API it talks to."""

    data_dir: Path
    duckdb_path: Path
    accounts_file: Path | None
    sandbox_url: str | None
    sandbox_seed: int
    pii_salt: str

    @property
    def landing_dir(self) -> Path:
        """Raw documents exactly as received, never rewritten."""
        return self.data_dir / "landing"

    @property
    def is_live(self) -> bool:
        """Live mode is chosen only by pointing AHW_ACCOUNTS_FILE at an accounts file."""
        return self.accounts_file is not None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment).

    - ``AHW_DATA_DIR``: data root, default ``./data``; the landing area lives under it.
    - ``AHW_DUCKDB_PATH``: the one DuckDB file dbt and Dagster share, default ``$AHW_DATA_DIR/warehouse.duckdb``.
    - ``AHW_ACCOUNTS_FILE``: live accounts file (JSON); absent means sandbox mode.
    - ``AHW_SANDBOX_URL``: use an already running sandbox (``ahw sandbox``) instead of an embedded one.
    - ``AHW_SANDBOX_SEED``: seed of the embedded sandbox world.
    - ``AHW_PII_SALT``: salt for hashing buyer identifiers; a fixed development salt in sandbox mode.
    """
    env = os.environ if env is None else env
    data_dir = Path(env.get("AHW_DATA_DIR") or "data").expanduser()
    duckdb_path = Path(env.get("AHW_DUCKDB_PATH") or data_dir / "warehouse.duckdb").expanduser()
    accounts = env.get("AHW_ACCOUNTS_FILE")
    accounts_file = Path(accounts).expanduser() if accounts else None
    salt = env.get("AHW_PII_SALT")
    if accounts_file is not None and not salt:
        raise ValueError(
            "AHW_PII_SALT must be set in live mode: buyer identifiers are salted-hashed before they reach raw"
        )
    return Settings(
        data_dir=data_dir,
        duckdb_path=duckdb_path,
        accounts_file=accounts_file,
        sandbox_url=env.get("AHW_SANDBOX_URL") or None,
        sandbox_seed=int(env.get("AHW_SANDBOX_SEED") or DEFAULT_SANDBOX_SEED),
        pii_salt=salt or "ahw-sandbox-salt",
    )
