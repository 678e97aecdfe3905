"""The catalogue: Amazon facts the warehouse depends on, kept as data in one place.

``marketplaces.csv`` lists every marketplace of Amazon's SP-API marketplace list (NA, EU and FE
regions) with its country, region, currency, time zone, language, the text encoding its flat files
come in and its usual date formats; ``regions.csv`` the SP-API endpoint of each region;
``header_variants.json`` the words Amazon uses for each flat-file column per language. The
extractor, the parsers, the sandbox, the quality suites and dbt (these CSV files are dbt seeds:
``dbt_project.yml`` lists this folder in ``seed-paths``) all read these files; nothing keeps a
second copy. Each row carries a ``source_note`` saying where its values come from.

A marketplace missing here is added by appending a row to ``marketplaces.csv`` (all columns).
"""

from orchestration.catalogue.marketplaces import (
    CATALOGUE_DIR,
    MARKETPLACES,
    REGION_ENDPOINTS,
    REGIONS,
    Marketplace,
    Region,
    UnknownMarketplace,
    header_languages,
    header_variants,
    marketplace,
)

__all__ = [
    "CATALOGUE_DIR",
    "MARKETPLACES",
    "REGIONS",
    "REGION_ENDPOINTS",
    "Marketplace",
    "Region",
    "UnknownMarketplace",
    "header_languages",
    "header_variants",
    "marketplace",
]
