"""Reconciliation of the warehouse against the sandbox world (the tests' ground truth), and a content
hash of the published marts, shared by the fault matrix, the crash tests and ``bench/soak.py``.

Reconciliation counts rows by their natural key: an order item (order id, SKU), a feedback or a
return (order id), a V2 snapshot (account, marketplace, day). ``lost`` counts keys the world has and
``raw`` lacks, ``duplicated`` keys ``raw`` holds more often than the world; both must be 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb

from orchestration.sandbox import World

#: Columns that name a load rather than its content: they differ on every re-run by design.
PROVENANCE_COLUMNS = frozenset({"report_id", "load_id", "loaded_at", "run_id", "landing_file", "snapshot_at"})


@dataclass
class Reconciliation:
    reconciled: int = 0
    """Rows the world has that raw holds exactly once."""
    lost: int = 0
    duplicated: int = 0
    details: list[str] = field(default_factory=list)

    def add(self, other: Reconciliation) -> None:
        self.reconciled += other.reconciled
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.details.extend(other.details)


def _compare(label: str, want: Counter, got: Counter) -> Reconciliation:
    lost = want - got
    extra = got - want
    out = Reconciliation(reconciled=sum((want & got).values()), lost=sum(lost.values()),
                         duplicated=sum(extra.values()))  # fmt: skip
    if lost:
        out.details.append(f"{label}: lost {sorted(lost)[:5]}")
    if extra:
        out.details.append(f"{label}: duplicated or unknown {sorted(extra)[:5]}")
    return out


def reconcile(path: str, world: World, days: Iterable[date], accounts: Iterable[str] | None = None) -> Reconciliation:
    """Raw against the world for ``days`` x every marketplace of ``accounts`` (default: all of the world's)."""
    names = list(accounts) if accounts is not None else [a.name for a in world.accounts]
    total = Reconciliation()
    with duckdb.connect(path, read_only=True) as con:
        for name in names:
            for marketplace_id in world.account(name).marketplace_ids:
                for day in days:
                    where = [name, marketplace_id, day]
                    label = f"{name} {marketplace_id} {day}"
                    want = Counter(
                        (r["amazon-order-id"], r["sku"]) for r in world.order_item_rows(name, marketplace_id, day)
                    )
                    got = Counter(con.execute("select amazon_order_id, sku from raw.orders where account_id = ? and "
                                              "marketplace_id = ? and partition_date = ?", where).fetchall())  # fmt: skip
                    total.add(_compare(f"orders {label}", want, got))
                    for table, rows in (("seller_feedback", world.feedback_rows(name, marketplace_id, day)),
                                        ("returns", world.return_rows(name, marketplace_id, day))):  # fmt: skip
                        want = Counter((r["Order ID"],) for r in rows)
                        got = Counter(con.execute(f"select order_id from raw.{table} where account_id = ? and "
                                                  "marketplace_id = ? and partition_date = ?", where).fetchall())  # fmt: skip
                        total.add(_compare(f"{table} {label}", want, got))
                    want = Counter([(name, marketplace_id, day)])
                    got = Counter(con.execute("select account_id, marketplace_id, partition_date from "
                                              "raw.seller_performance where account_id = ? and marketplace_id = ? "
                                              "and partition_date = ?", where).fetchall())  # fmt: skip
                    total.add(_compare(f"seller_performance {label}", want, got))
    return total


#: Rows of the marts that record the warehouse's own history rather than Amazon's data: a failed gate
#: is a true event and stays in fct_alerts (resolved by the re-run), so it is compared apart.
OPERATIONS_ROWS = {"fct_alerts": "kind = 'quality_gate_failed'"}


def marts_hash(path: str, schema: str = "marts", *, without_operations: bool = False) -> dict[str, tuple[int, int]]:
    """Rows and an order-free content hash of every table of ``schema``, leaving out the columns that
    name a load (``PROVENANCE_COLUMNS``): two runs over the same data give the same hash.
    ``without_operations`` also leaves out ``OPERATIONS_ROWS`` (the alerts about our own gates)."""
    with duckdb.connect(path, read_only=True) as con:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = ? order by table_name, "
            "column_index",
            [schema],
        ).fetchall():
            columns.setdefault(table, []).append(column)
        out = {}
        for table, names in columns.items():
            kept = ", ".join(f'"{c}"' for c in names if c not in PROVENANCE_COLUMNS)
            where = f"where not ({OPERATIONS_ROWS[table]})" if without_operations and table in OPERATIONS_ROWS else ""
            out[table] = con.execute(
                f'select count(*), coalesce(bit_xor(hash(struct_pack({kept}))), 0) from {schema}."{table}" {where}'
            ).fetchone()
        return out
