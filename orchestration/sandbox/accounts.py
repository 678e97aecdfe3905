"""The sandbox's seller accounts: who sells where, at what volume, and which scenario plays out.

Why a module of its own: the accounts are the world's cast, read by the world (generation), the
server (LWA refresh tokens, region of the document ids) and the tests (which account shows what).
Marketplace facts (region, currency, encoding, date formats) are never repeated here: they come
from ``orchestration.catalogue``; an account only lists the marketplace ids it sells in.

==================  ======  ===================  ===========  =========================================
account             region  marketplaces         scenario     what it exercises
==================  ======  ===================  ===========  =========================================
acme-home           NA      US, CA               healthy      high volume; MCF orders in US
brightline-outdoor  EU      GB, DE, FR, NL       at_risk      Cp1252 files; NL (outside the project's
                                                              first nine marketplaces, healthy, with
                                                              invoicing by Amazon: ``is-iba``)
cobalt-gadgets      NA      US, MX               critical     critical violation in US
hinoki-kitchen      FE      JP, AU               healthy      Shift_JIS (code page 932) files with
                                                              Japanese names and addresses, year-first
                                                              dates; MCF orders in JP; modest volume
==================  ======  ===================  ===========  =========================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.catalogue import marketplace

LWA_CLIENT_ID = "amzn1.application-oa2-client.sandbox0000000000000000000000"
LWA_CLIENT_SECRET = "amzn1.oa2-cs.v1.sandbox-not-a-real-secret-0000000000000000"


@dataclass(frozen=True)
class SandboxAccount:
    name: str
    seller_id: str
    region: str
    """SP-API region (NA, EU, FE): every marketplace of the account must be in it (one refresh token per region)."""
    marketplace_ids: tuple[str, ...]
    refresh_token: str
    scenario: str
    """``healthy``, ``at_risk`` or ``critical``."""
    affected_marketplace_ids: tuple[str, ...]
    """Marketplaces where the scenario plays out (the others stay healthy)."""
    daily_orders: dict[str, int]
    """Mean Amazon marketplace orders per day per marketplace at volume_scale 1."""
    afn_share: float
    """Share of marketplace orders fulfilled by Amazon (AFN); the rest are seller-fulfilled (MFN)."""
    mcf_daily_orders: dict[str, float] = field(default_factory=dict)
    """Mean multi-channel fulfillment orders per day per marketplace: orders from the seller's own shop
    that Amazon fulfils; the all-orders report lists them with ``sales-channel`` = ``Non-Amazon``."""
    invoicing_by_amazon: frozenset[str] = frozenset()
    """Marketplaces where the seller lets Amazon issue the invoices (``is-iba`` = true): business
    orders there never wait in InvoiceUnconfirmed for the seller's invoice."""

    def __post_init__(self) -> None:
        for m in self.marketplace_ids:
            if marketplace(m).region != self.region:
                raise ValueError(f"sandbox account {self.name}: marketplace {m} is not in region {self.region}")


ACCOUNTS: tuple[SandboxAccount, ...] = (
    SandboxAccount(
        "acme-home", "A1ACMEHOME0001", "NA", ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"),
        "Atzr|sandbox-acme-home", "healthy", (),
        {"ATVPDKIKX0DER": 1250, "A2EUQ1WTGCTBG2": 100}, 0.6,
        mcf_daily_orders={"ATVPDKIKX0DER": 12.0},
    ),
    SandboxAccount(
        "brightline-outdoor", "A2BRIGHTLINE002", "EU",
        ("A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1805IZSGTT6HS"),
        "Atzr|sandbox-brightline-outdoor", "at_risk", ("A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH"),
        {"A1F83G8C2ARO7P": 250, "A1PA6795UKMFR9": 150, "A13V1IB3VIYZZH": 70, "A1805IZSGTT6HS": 25}, 0.3,
        invoicing_by_amazon=frozenset({"A1805IZSGTT6HS"}),
    ),
    SandboxAccount(
        "cobalt-gadgets", "A3COBALTGADG03", "NA", ("ATVPDKIKX0DER", "A1AM78C64UM0Y8"),
        "Atzr|sandbox-cobalt-gadgets", "critical", ("ATVPDKIKX0DER",),
        {"ATVPDKIKX0DER": 60, "A1AM78C64UM0Y8": 25}, 0.2,
    ),
    SandboxAccount(
        "hinoki-kitchen", "A4HINOKIKITCH04", "FE", ("A1VC38T7YXB528", "A39IBJ37TRP1C6"),
        "Atzr|sandbox-hinoki-kitchen", "healthy", (),
        {"A1VC38T7YXB528": 45, "A39IBJ37TRP1C6": 15}, 0.5,
        mcf_daily_orders={"A1VC38T7YXB528": 3.0},
    ),
)  # fmt: skip

#: Marketplaces whose V2 report carries ``accountHealthRating.ahrScore`` (live data has it "not always").
AHR_SCORE_MARKETPLACES = frozenset({"ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A1VC38T7YXB528"})
