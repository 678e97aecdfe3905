"""The catalogue is the one list of marketplaces: every consumer reads it, and it covers Amazon's list."""

import csv

import pytest
from sp_api.base import Marketplaces

from orchestration.catalogue import CATALOGUE_DIR, MARKETPLACES, REGIONS, UnknownMarketplace, marketplace
from orchestration.parsing.encodings import python_codec
from orchestration.spapi.accounts import SellerAccount
from orchestration.spapi.client import SpApiEndpoint, reports_client

# The marketplaces of Amazon's SP-API marketplace list the issue names (NA, EU and FE regions).
REQUIRED_COUNTRIES = {
    "US", "CA", "MX", "BR", "GB", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE", "IE", "TR", "AE", "SA", "EG",
    "IN", "ZA", "JP", "AU", "SG",
}  # fmt: skip


def test_every_marketplace_amazon_lists_is_in_the_catalogue_with_its_region():
    assert {m.country_code for m in MARKETPLACES.values()} >= REQUIRED_COUNTRIES
    # python-amazon-sp-api carries Amazon's ids too: the two lists must agree on every id it knows.
    for known in Marketplaces:
        found = MARKETPLACES.get(known.marketplace_id)
        assert found is not None, f"{known.name} {known.marketplace_id} missing from the catalogue"
        assert found.endpoint == known.endpoint


@pytest.mark.parametrize("field", ["currency", "timezone", "language", "flat_file_encoding"])
def test_every_row_is_complete(field):
    import codecs
    from zoneinfo import ZoneInfo

    for m in MARKETPLACES.values():
        value = getattr(m, field)
        assert value, f"{m.marketplace_id} has no {field}"
        if field == "timezone":
            ZoneInfo(value)
        if field == "flat_file_encoding":
            codecs.lookup(python_codec(value))  # the parsers' mapping of Amazon's charset names
    assert set(REGIONS) == {"NA", "EU", "FE"}


def test_an_unknown_marketplace_says_where_to_add_it():
    with pytest.raises(UnknownMarketplace, match=r"orchestration/catalogue/marketplaces\.csv"):
        marketplace("A0NOTAMARKETPLACE")


def test_dbt_reads_the_catalogue_itself_as_its_seeds():
    import yaml

    project = yaml.safe_load((CATALOGUE_DIR.parents[1] / "dbt_project" / "dbt_project.yml").read_text())
    assert "../orchestration/catalogue" in project["seed-paths"]
    assert not (CATALOGUE_DIR.parents[1] / "dbt_project" / "seeds" / "marketplaces.csv").exists()
    with (CATALOGUE_DIR / "marketplaces.csv").open(encoding="utf-8") as fh:
        assert {r["marketplace_id"] for r in csv.DictReader(fh)} == set(MARKETPLACES)


@pytest.mark.parametrize("marketplace_id", [*sorted(MARKETPLACES), "A1NEWMARKET0XY"])
def test_python_amazon_sp_api_marketplaces_are_no_limit(marketplace_id):
    """Every catalogue marketplace (Amazon.nl, Amazon.in, ... included) and an id the catalogue does not
    know yet get a client: python-amazon-sp-api's enum is not consulted."""
    region = MARKETPLACES[marketplace_id].region if marketplace_id in MARKETPLACES else "EU"
    account = SellerAccount("acct", "A1SELLER", region, (marketplace_id,), refresh_token_value="t")
    client = reports_client(SpApiEndpoint(lwa_app_id="app", lwa_client_secret="secret"), account, marketplace_id)
    try:
        assert client.marketplace_id == marketplace_id
        assert client.endpoint == REGIONS[region].endpoint
    finally:
        client.close()
