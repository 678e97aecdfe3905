"""Benchmark: peak memory and speed of landing a large buyer-data document encrypted, and reading it back.

Prints, for a generated orders report (``--size-gb`` of tab-separated text, default 1, gzip-compressed
as Amazon serves it unless ``--plain``): the seconds, MB/s and the peak resident memory (RSS) of the
process for each step the warehouse takes on it: ``Landing.save_file`` (hash, then encrypt into
Fernet frames), ``Landing.verify`` (decrypt and hash), and a full read through the parsers' opener
(decrypt, gunzip, bounded stream), plus the size on disk against the document's.

Goal: memory bounded by a few frames (1 MiB each) whatever the document's size; the parse-and-load
path as a whole is measured by bench/bench_parse_memory.py (which now lands through encryption too).

Usage: uv run python bench/bench_landing_memory.py [--size-gb 1] [--plain] [--work /tmp/ahw-bench-landing]

Each step runs in a fresh child process, so its peak RSS is its own. This prints figures; it is not a
test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from pathlib import Path
from orchestration.parsing.documents import DocumentContext
from orchestration.warehouse.landing import LandedDocument, Landing, LandingMeta

def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

step, work, source = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
landing = Landing(work / "landing")
meta = LandingMeta(report_id="bench", report_type="orders", account_id="bench", marketplace_id="ATVPDKIKX0DER")
started = time.perf_counter()
if step == "save":
    landed = landing.save_file(source, meta)
    (work / "landed.json").write_text(json.dumps({"path": str(landed.path), "sha256": landed.sha256,
                                                  "bytes": landed.bytes, "meta": str(landed.meta_path)}))
    out = landed.path.stat().st_size
else:
    info = json.loads((work / "landed.json").read_text())
    landed = LandedDocument(Path(info["path"]), Path(info["meta"]), info["sha256"], info["bytes"])
    if step == "verify":
        landing.verify(landed)
        out = landed.bytes
    else:
        opener = landing.opener(landed, 1 << 40, DocumentContext("orders", "bench", "ATVPDKIKX0DER", "bench"))
        out = 0
        with opener() as stream:
            while chunk := stream.read(1 << 20):
                out += len(chunk)
print(json.dumps({"step": step, "seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "bytes": out}))
"""

ROW = (
    "114-{n:07d}-{m:07d}\t\t2026-06-01T10:00:00+00:00\t2026-06-01T12:00:00+00:00\tShipped\tMerchant\tAmazon.com\t\t\t"
    "Standard\tGarden hose 20m, green\tSKU-{m}\tB0{m:08d}\tShipped\t1\tUSD\t24.99\t2.00\t0.00\t0.00\t\t\t0.00\t0.00\t"
    "Springfield\tIL\t62704\tUS\t\tfalse\t\t\tfalse\tfalse\tfalse\t\n"
)
HEADER = (
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
    "sales-channel\torder-channel\turl\tship-service-level\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\t"
    "item-price\titem-tax\tshipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\t"
    "ship-promotion-discount\tship-city\tship-state\tship-postal-code\tship-country\tpromotion-ids\tis-business-order\t"
    "purchase-order-number\tprice-designation\tsignature-confirmation-recommended\tis-iba\t"
    "is-buyer-requested-cancellation\tbuyer-requested-cancel-reason\n"
)


def generate(path: Path, size: int, compress: bool) -> int:
    """Write an orders document of ``size`` bytes of text (gzip when ``compress``); returns the text size."""
    written, n = 0, 0
    with gzip.open(path, "wb", compresslevel=1) if compress else path.open("wb") as fh:
        fh.write(HEADER.encode())
        while written < size:
            block = "".join(ROW.format(n=n + i, m=(n + i) * 7 % 10_000_000) for i in range(20_000)).encode()
            fh.write(block)
            written += len(block)
            n += 20_000
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0, help="size of the document's text")
    parser.add_argument("--plain", action="store_true", help="land the text itself instead of its gzip")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ahw-bench-landing"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    source = args.work / ("orders.tsv" if args.plain else "orders.tsv.gz")
    text = generate(source, int(args.size_gb * 1024**3), compress=not args.plain)
    document = source.stat().st_size
    print(f"document: {text / 1e6:,.0f} MB of text, {document / 1e6:,.0f} MB as landed ({source.name})")
    for step in ("save", "verify", "read"):
        done = subprocess.run([sys.executable, "-c", CHILD, step, str(args.work), str(source)], cwd=REPO,
                              capture_output=True, text=True, check=True)  # fmt: skip
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        rate = figures["bytes"] / figures["seconds"] / 1e6 if figures["seconds"] else 0
        extra = ""
        if step == "save":
            extra = f", encrypted file {figures['bytes'] / 1e6:,.0f} MB (+{figures['bytes'] / document - 1:.1%})"
        print(f"{step:>6}: {figures['seconds']:7.1f} s, {rate:7.1f} MB/s, peak RSS {figures['peak_mb']:6.0f} MB{extra}")
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
