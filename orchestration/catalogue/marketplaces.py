"""Marketplaces and regions, read from the catalogue's CSV files (see the package docstring)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

CATALOGUE_DIR = Path(__file__).resolve().parent
MARKETPLACES_CSV = CATALOGUE_DIR / "marketplaces.csv"
REGIONS_CSV = CATALOGUE_DIR / "regions.csv"
HEADER_VARIANTS_JSON = CATALOGUE_DIR / "header_variants.json"


@dataclass(frozen=True)
class Region:
    region: str
    """NA, EU or FE."""
    endpoint: str
    """Amazon's SP-API base URL of the region."""
    lwa_token_url: str
    """Login with Amazon token endpoint."""


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    country_code: str
    """ISO 3166 country code (GB for Amazon.co.uk)."""
    name: str
    """Storefront name, e.g. Amazon.co.uk (the orders report's ``sales-channel``)."""
    region: str
    """SP-API region whose endpoint serves the marketplace: NA, EU or FE."""
    currency: str
    """ISO 4217 currency code."""
    timezone: str
    """IANA time zone of the marketplace."""
    language: str
    """ISO 639-1 language of its report headers (header variants are kept per language)."""
    flat_file_encoding: str
    """Text encoding of its flat files when a download does not declare one (Amazon's charset name)."""
    feedback_date_format: str
    """Usual strftime format of the feedback report's ``Date`` (a tie-breaker only: formats are read
    from the document itself where its values prove the order of day and month)."""
    returns_date_format: str
    """Usual strftime format of the returns report's date columns (a tie-breaker only, as above)."""

    @property
    def endpoint(self) -> str:
        return REGIONS[self.region].endpoint


class UnknownMarketplace(KeyError):
    """A marketplace id that is not in the catalogue; the message says where to add it."""

    def __init__(self, marketplace_id: str, missing: str = "its facts"):
        self.marketplace_id = marketplace_id
        self.missing = missing
        super().__init__(
            f"unknown marketplace id {marketplace_id!r}: {missing} are not in the catalogue; add a row for it "
            f"to {MARKETPLACES_CSV.relative_to(CATALOGUE_DIR.parents[1])}"
        )

    def __str__(self) -> str:
        return str(self.args[0])


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


REGIONS: dict[str, Region] = {
    r["region"]: Region(r["region"], r["selling_partner_api_endpoint"], r["lwa_token_url"]) for r in _read(REGIONS_CSV)
}
REGION_ENDPOINTS: dict[str, str] = {name: region.endpoint for name, region in REGIONS.items()}

MARKETPLACES: dict[str, Marketplace] = {
    r["marketplace_id"]: Marketplace(
        marketplace_id=r["marketplace_id"],
        country_code=r["country_code"],
        name=r["marketplace_name"],
        region=r["region"],
        currency=r["currency_code"],
        timezone=r["timezone"],
        language=r["language"],
        flat_file_encoding=r["flat_file_encoding"],
        feedback_date_format=r["feedback_date_format"],
        returns_date_format=r["returns_date_format"],
    )
    for r in _read(MARKETPLACES_CSV)
}


def marketplace(marketplace_id: str) -> Marketplace:
    """Look a marketplace up by id; UnknownMarketplace (a KeyError) names where to add it."""
    try:
        return MARKETPLACES[marketplace_id]
    except KeyError:
        raise UnknownMarketplace(marketplace_id) from None


def header_variants() -> dict[str, dict[str, dict[str, list[str]]]]:
    """Header variants of the flat-file reports: report type -> column -> language -> headers.

    Read from ``header_variants.json`` (see its ``about`` and ``sources``): JSON rather than CSV so
    that dbt, which seeds every CSV of this folder, does not turn it into a table.
    """
    with HEADER_VARIANTS_JSON.open(encoding="utf-8") as fh:
        return json.load(fh)["reports"]


def header_languages() -> dict[str, tuple[str, ...]]:
    """Report type -> the languages (ISO 639-1) Amazon writes its header in; every column of the report has a
    variant in each (``header_variants.json``, ``header_languages``; checked by the catalogue's tests)."""
    with HEADER_VARIANTS_JSON.open(encoding="utf-8") as fh:
        table = json.load(fh)["header_languages"]
    return {report: tuple(languages) for report, languages in table.items() if report != "about"}
