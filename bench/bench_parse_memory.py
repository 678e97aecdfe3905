"""Benchmark: peak memory of loading a very large report document, and of a gzip bomb.

Prints, for a generated orders report (tab-separated, gzip-compressed, ``--size-gb`` of text once
decompressed, default 2): rows loaded, wall seconds, throughput and the peak resident memory (RSS) of
the process that runs ``import_file`` (the path ``ahw import-report`` and the extractor take: landing,
streamed gunzip and decoding, row-by-row parsing into Arrow batches, staging, the raw gate's audit of
the new version with Great Expectations in bounded chunks, publishing). Then two
bombs: gigabytes of zeros (no line breaks), and gigabytes of identical valid rows with a small
``AHW_MAX_DOCUMENT_BYTES``: each must fail fast with one line, its memory bounded.

Goal (issue 9 section 2): peak RSS under 500 MB for a 2 GB document, whatever its content.

Usage: uv run python bench/bench_parse_memory.py [--size-gb 2] [--work /tmp/ahw-bench-parse]

Each measured load runs in a fresh child process, so its peak RSS is its own (Python, DuckDB and
pyarrow included). This is a script that prints figures, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HEADERS = [
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "product-name", "sku",
    "asin", "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order", "purchase-order-number",
    "price-designation", "signature-confirmation-recommended", "is-iba", "is-buyer-requested-cancellation",
    "buyer-requested-cancel-reason",
]  # fmt: skip
PRODUCTS = ["Garden hose 20m, green", "Stainless steel bottle 500ml", "Yoga mat extra thick", "USB-C cable 2m",
            "Desk lamp with dimmer", "Kettle 1.7L brushed steel"]  # fmt: skip

# The measured child: prints a JSON line with its figures. Peak RSS is VmHWM of the child itself.
CHILD = r"""
import json, sys, time
from pathlib import Path
import duckdb
from orchestration.config import load_settings
from orchestration.parsing import DocumentError
from orchestration.spapi.report_types import ORDERS
from orchestration.warehouse.landing import Landing
from orchestration.warehouse.loader import import_file

def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

doc, work = Path(sys.argv[1]), Path(sys.argv[2])
settings = load_settings()
started = time.monotonic()
outcome = {}
with duckdb.connect(str(work / "warehouse.duckdb")) as con:
    try:
        result = import_file(con, Landing(work / "landing"), doc, ORDERS, "bench", "ATVPDKIKX0DER",
                             salt="bench", settings=settings)
        outcome = {"rows": result.load.rows_loaded, "partitions": len(result.partition_dates)}
    except DocumentError as exc:
        outcome = {"refused": exc.problem}
outcome |= {"seconds": round(time.monotonic() - started, 1), "peak_rss_mb": round(peak_mb())}
print(json.dumps(outcome))
"""


def write_orders(path: Path, size_bytes: int) -> tuple[int, int]:
    """An orders report of about ``size_bytes`` of text (gzip level 1); returns (rows, bytes of text)."""
    rng = random.Random(7)
    written = rows = 0
    with gzip.open(path, "wb", compresslevel=1) as out:
        header = ("\t".join(HEADERS) + "\n").encode()
        out.write(header)
        written += len(header)
        batch: list[str] = []
        while written < size_bytes:
            day = 1 + rows % 28
            hour = rows % 24
            price = rng.randint(500, 20000) / 100
            status = "Cancelled" if rows % 40 == 0 else "Shipped"
            batch.append(
                "\t".join(
                    [
                        f"111-{rows // 10_000_000:07d}-{rows % 10_000_000:07d}",
                        "",
                        f"2026-05-{day:02d}T{hour:02d}:15:00+00:00",
                        f"2026-05-{day:02d}T{hour:02d}:45:00+00:00",
                        status,
                        "Merchant" if rows % 3 else "Amazon",
                        "Amazon.com",
                        "",
                        "",
                        "Standard",
                        PRODUCTS[rows % len(PRODUCTS)],
                        f"SKU-{rows % 997}",
                        f"B0{rows % 99991:08d}",
                        status,
                        str(1 + rows % 3),
                        "USD",
                        f"{price:.2f}",
                        f"{price * 0.08:.2f}",
                        "4.99",
                        "0.00",
                        "",
                        "",
                        "0.00",
                        "0.00",
                        "SPRINGFIELD",
                        "IL",
                        "62704",
                        "US",
                        "",
                        "false",
                        "",
                        "",
                        "false",
                        "false",
                        "true" if status == "Cancelled" and rows % 80 == 0 else "false",
                        "Order Created by Mistake" if status == "Cancelled" and rows % 80 == 0 else "",
                    ]
                )  # fmt: skip
            )
            rows += 1
            if len(batch) == 20_000:
                data = ("\n".join(batch) + "\n").encode()
                out.write(data)
                written += len(data)
                batch = []
        if batch:
            data = ("\n".join(batch) + "\n").encode()
            out.write(data)
            written += len(data)
    return rows, written


def write_zero_bomb(path: Path, size_bytes: int) -> None:
    """Gigabytes of zero bytes, gzip level 9: about 1000x smaller than what it expands to."""
    block = b"\0" * (64 * 1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    with path.open("wb") as out:
        for _ in range(size_bytes // len(block)):
            out.write(compressor.compress(block))
        out.write(compressor.flush())


def write_rows_bomb(path: Path, size_bytes: int) -> None:
    """Gigabytes of one valid order row repeated: looks like a real report until its size gives it away."""
    row = (
        "\t".join(["111-0000001-0000001", "", "2026-05-01T10:00:00+00:00", "2026-05-01T10:00:00+00:00", "Shipped",
                   "Merchant", "Amazon.com", "", "", "Standard", "x", "SKU", "B000000001", "Shipped", "1", "USD",
                   "1.00", "0.00", "0.00", "0.00", "", "", "0.00", "0.00", "", "IL", "", "US", "", "false", "", "",
                   "false", "false", "false", ""]) + "\n"
    ).encode()  # fmt: skip
    block = row * (8 * 1024 * 1024 // len(row))
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as out:
        out.write(compressor.compress(("\t".join(HEADERS) + "\n").encode()))
        for _ in range(size_bytes // len(block)):
            out.write(compressor.compress(block))
        out.write(compressor.flush())


def measure(doc: Path, work: Path, env: dict[str, str] | None = None) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    child_env = {**os.environ, "AHW_DATA_DIR": str(work), **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(doc), str(work)], env=child_env, cwd=REPO, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=2.0, help="decompressed size of the orders document")
    parser.add_argument("--bomb-gb", type=float, default=5.0, help="decompressed size of each bomb")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ahw-bench-parse"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    gib = 1024**3

    doc = args.work / "orders.tsv.gz"
    started = time.monotonic()
    rows, text_bytes = write_orders(doc, int(args.size_gb * gib))
    print(f"generated {doc.name}: {rows:,} rows, {text_bytes / gib:.2f} GiB of text, "
          f"{doc.stat().st_size / 1024**2:.0f} MiB gzip, in {time.monotonic() - started:.0f} s")  # fmt: skip
    figures = measure(doc, args.work / "load")
    print(f"load: {figures.get('rows', 0):,} rows in {figures['seconds']} s "
          f"({text_bytes / 1024**2 / max(figures['seconds'], 0.1):.1f} MiB/s), peak RSS {figures['peak_rss_mb']} MB"
          + (f"; REFUSED: {figures['refused']}" if "refused" in figures else ""))  # fmt: skip
    doc.unlink()

    bomb = args.work / "zeros.tsv.gz"
    write_zero_bomb(bomb, int(args.bomb_gb * gib))
    figures = measure(bomb, args.work / "bomb")
    print(f"bomb of zeros ({args.bomb_gb:g} GiB in {bomb.stat().st_size / 1024**2:.1f} MiB): "
          f"{figures.get('refused', 'NOT REFUSED')} -- {figures['seconds']} s, peak RSS {figures['peak_rss_mb']} MB")  # fmt: skip
    bomb.unlink()

    bomb = args.work / "rows.tsv.gz"
    write_rows_bomb(bomb, int(args.bomb_gb * gib))
    cap = 256 * 1024**2
    figures = measure(bomb, args.work / "rows-bomb", {"AHW_MAX_DOCUMENT_BYTES": str(cap)})
    print(f"bomb of valid rows ({args.bomb_gb:g} GiB in {bomb.stat().st_size / 1024**2:.1f} MiB, "
          f"AHW_MAX_DOCUMENT_BYTES={cap}): {figures.get('refused', 'NOT REFUSED')} -- {figures['seconds']} s, "
          f"peak RSS {figures['peak_rss_mb']} MB")  # fmt: skip
    bomb.unlink()


if __name__ == "__main__":
    main()
