"""Amazon marketplaces the warehouse knows: ids, regions and the date formats of their flat files.

Marketplace ids and region endpoints are Amazon's published values. Flat-file dates follow the
marketplace's locale (feedback uses a two-digit year), so the parser needs the format per
marketplace rather than guessing between 03/04 and 04/03.
"""

from __future__ import annotations

from dataclasses import dataclass

REGION_ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    country_code: str
    name: str
    region: str
    currency: str
    timezone: str
    feedback_date_format: str
    """strftime format of the ``Date`` column of GET_SELLER_FEEDBACK_DATA."""
    returns_date_format: str
    """strftime format of date columns of GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE."""


MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "US", "Amazon.com", "NA", "USD", "America/Los_Angeles", "%m/%d/%y", "%m/%d/%Y"),
        Marketplace("A2EUQ1WTGCTBG2", "CA", "Amazon.ca", "NA", "CAD", "America/Los_Angeles", "%m/%d/%y", "%m/%d/%Y"),
        Marketplace(
            "A1AM78C64UM0Y8", "MX", "Amazon.com.mx", "NA", "MXN", "America/Los_Angeles", "%d/%m/%y", "%d/%m/%Y"
        ),
        Marketplace("A1F83G8C2ARO7P", "GB", "Amazon.co.uk", "EU", "GBP", "Europe/London", "%d/%m/%y", "%d/%m/%Y"),
        Marketplace("A1PA6795UKMFR9", "DE", "Amazon.de", "EU", "EUR", "Europe/Berlin", "%d.%m.%y", "%d.%m.%Y"),
        Marketplace("A13V1IB3VIYZZH", "FR", "Amazon.fr", "EU", "EUR", "Europe/Paris", "%d/%m/%y", "%d/%m/%Y"),
        Marketplace("APJ6JRA9NG5V4", "IT", "Amazon.it", "EU", "EUR", "Europe/Rome", "%d/%m/%y", "%d/%m/%Y"),
        Marketplace("A1RKKUPIHCS9HS", "ES", "Amazon.es", "EU", "EUR", "Europe/Madrid", "%d/%m/%y", "%d/%m/%Y"),
        Marketplace("A1VC38T7YXB528", "JP", "Amazon.co.jp", "FE", "JPY", "Asia/Tokyo", "%Y/%m/%d", "%Y/%m/%d"),
    )
}


def marketplace(marketplace_id: str) -> Marketplace:
    """Look a marketplace up by id; unknown ids are a configuration error worth naming."""
    try:
        return MARKETPLACES[marketplace_id]
    except KeyError:
        raise KeyError(f"unknown marketplace id {marketplace_id!r}; known: {', '.join(MARKETPLACES)}") from None
