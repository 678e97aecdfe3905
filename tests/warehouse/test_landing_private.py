"""Landing that stays small and private: content addressing, buyer data encrypted at rest, retention.

Real files in tmp_path, the real DuckDB loader for "raw keeps its rows", the real ``ahw`` command.
"""

from __future__ import annotations

import gzip
import json
import os
import struct
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from orchestration.parsing.documents import DocumentContext
from orchestration.spapi.report_types import SELLER_FEEDBACK, SELLER_PERFORMANCE
from orchestration.warehouse.encryption import FRAME_BYTES, MAGIC
from orchestration.warehouse.landing import Landing, LandingError, LandingMeta
from orchestration.warehouse.loader import RawGateFailed, import_file
from tests.warehouse.wh_samples import SALT, US, feedback_doc, json_bytes, v2_doc

EMAIL = "jane.buyer@example.com"


def meta(report_id: str = "1", **overrides) -> LandingMeta:
    values = dict(
        report_id=report_id,
        report_type="GET_SELLER_FEEDBACK_DATA",
        account_id="acme",
        marketplace_id=US,
        data_start_time=datetime(2026, 6, 1, tzinfo=UTC),
        data_end_time=datetime(2026, 6, 1, 23, 59, 59, tzinfo=UTC),
    )
    values.update(overrides)
    return LandingMeta(**values)


def buyer_doc(rows: int = 3) -> bytes:
    return feedback_doc([["6/1/26", "1", f"late parcel {i}", "", f"111-000000{i}-0000001", EMAIL] for i in range(rows)])


def files(landing: Landing) -> list[str]:
    return sorted(p.relative_to(landing.root).as_posix() for p in landing.root.rglob("*") if p.is_file())


def test_a_byte_identical_document_is_recorded_not_stored_again(landing: Landing):
    content = gzip.compress(buyer_doc(), mtime=0)
    first = landing.save(content, meta("1"))
    second = landing.save(content, meta("2", requested_at=datetime(2026, 6, 2, tzinfo=UTC)))
    assert second.path == first.path and second.meta_path != first.meta_path
    stored = [f for f in files(landing) if f.endswith(".fernet")]
    assert stored == [f"seller_feedback/acme/{US}/1.tsv.gz.fernet"]
    record = json.loads(second.meta_path.read_text())
    assert (record["report_id"], record["duplicate_of"], record["stored_file"]) == ("2", "1", stored[0])
    assert record["requested_at"] == "2026-06-02T00:00:00Z" and record["sha256"] == first.sha256
    assert landing.read(second) == buyer_doc()
    # different bytes, or the same bytes for another account, are stored on their own
    other = landing.save(gzip.compress(buyer_doc(4), mtime=0), meta("3"))
    elsewhere = landing.save(content, meta("4", account_id="other"))
    assert len({first.path, other.path, elsewhere.path}) == 3
    assert json.loads(elsewhere.meta_path.read_text())["duplicate_of"] is None


def test_buyer_files_are_encrypted_and_no_name_reveals_their_content(landing: Landing):
    doc = buyer_doc(50)
    for report_id, content in (("plain", doc), ("gz", gzip.compress(doc))):
        landed = landing.save(content, meta(report_id, compression=None))
        stored = landed.path.read_bytes()
        assert stored.startswith(MAGIC) and landed.is_encrypted
        assert EMAIL.encode() not in stored and b"late parcel" not in stored
        assert not any(content[i : i + 16] in stored for i in range(0, len(content) - 16, 7))
        assert landing.read(landed) == doc
    names = " ".join(files(landing))
    assert landed.sha256 not in names  # index entries are keyed hashes, not the plaintext's SHA-256
    snapshot = landing.save(json_bytes(v2_doc()), meta("9", report_type="seller_performance", compression=None))
    assert not snapshot.is_encrypted and snapshot.path.read_bytes() == json_bytes(v2_doc())  # no buyer data


def test_wrong_key_altered_reordered_or_cut_files_are_refused(tmp_path):
    landing = Landing(tmp_path / "landing", Fernet.generate_key())
    doc = os.urandom(FRAME_BYTES * 2 + 1000)  # three frames
    landed = landing.save(doc, meta(compression=None))
    with pytest.raises(LandingError, match="does not decrypt with AHW_LANDING_KEY"):
        Landing(landing.root).read(landed)  # the development key is not this key
    good = landed.path.read_bytes()
    frames, offset = [], len(MAGIC)
    while offset < len(good):
        (length,) = struct.unpack(">I", good[offset : offset + 4])
        frames.append(good[offset : offset + 4 + length])
        offset += 4 + length
    assert len(frames) == 3
    altered = {
        "does not decrypt": good[:-10] + bytes([good[-10] ^ 1]) + good[-9:],
        "found where frame 1 belongs": MAGIC + frames[0] + frames[2] + frames[1],
        "without its last frame": MAGIC + frames[0] + frames[1],
        "after its last frame": good + frames[2],
    }
    for problem, content in altered.items():
        landed.path.chmod(0o600)
        landed.path.write_bytes(content)
        with pytest.raises(LandingError, match=problem):
            landing.read(landed)
        with pytest.raises(LandingError, match=problem):
            landing.verify(landed)


def test_a_large_encrypted_document_streams_through_the_parser_opener(landing: Landing):
    doc = buyer_doc(60_000)  # ~5 MB: several frames, read in pieces that straddle them
    landed = landing.save(gzip.compress(doc), meta())
    landing.verify(landed)
    opener = landing.opener(landed, 10**9, DocumentContext(SELLER_FEEDBACK.name, "acme", US, "1"))
    pieces = []
    with opener() as stream:
        while piece := stream.read(777_777):
            pieces.append(piece)
    assert b"".join(pieces) == doc and len(pieces) > 3


def test_purge_deletes_old_buyer_documents_and_raw_keeps_their_rows(con, landing, tmp_path):
    src = tmp_path / "feedback.tsv"
    src.write_bytes(buyer_doc())
    imported = import_file(con, landing, src, SELLER_FEEDBACK, "acme", US, salt=SALT)
    loaded = con.execute("select count(*) from raw.seller_feedback").fetchone()[0]
    assert loaded == 3
    old = landing.save(gzip.compress(buyer_doc(2), mtime=0), meta("old"))
    again = landing.save(gzip.compress(buyer_doc(2), mtime=0), meta("again", data_end_time=datetime(2026, 5, 1)))
    recent = landing.save(buyer_doc(1), meta("recent", data_end_time=datetime(2026, 6, 20, tzinfo=UTC)))
    snapshot = landing.save(json_bytes(v2_doc()), meta("snap", report_type="seller_performance"))

    dry = landing.purge(date(2026, 6, 10), dry_run=True)
    assert dry.files == [landing.relative(old.path)] and dry.reports == 2 and old.path.exists()
    result = landing.purge(date(2026, 6, 10))
    assert result.files == dry.files and result.bytes > 0
    assert not old.path.exists()  # served "old" and its byte-identical "again": both due
    assert recent.path.exists() and snapshot.path.exists() and imported.landed.path.exists()
    for record in (old.meta_path, again.meta_path):
        info = json.loads(record.read_text())
        assert info["purged_at"] and info["sha256"] == old.sha256  # the record stays
    assert con.execute("select count(*) from raw.seller_feedback").fetchone()[0] == loaded
    with pytest.raises(LandingError, match="purged after AHW_LANDING_RETENTION_DAYS"):
        landing.verify(old)
    assert landing.purge(date(2026, 6, 10)).files == []
    # the same document served again after the purge is stored again, not pointed at the purged file
    back = landing.save(gzip.compress(buyer_doc(2), mtime=0), meta("later"))
    assert back.path.exists() and landing.read(back) == buyer_doc(2)


def test_ahw_purge_landing_uses_the_retention_setting(monkeypatch):
    from orchestration.cli import main
    from orchestration.config import load_settings

    monkeypatch.setenv("AHW_SANDBOX_END_DATE", "2026-06-30")
    monkeypatch.setenv("AHW_LANDING_RETENTION_DAYS", "20")  # purge before 2026-06-11
    settings = load_settings()
    landing = Landing(settings.landing_dir, settings.landing_key)
    due = landing.save(buyer_doc(), meta("due", data_end_time=datetime(2026, 6, 10, 23, 59, 59, tzinfo=UTC)))
    kept = landing.save(buyer_doc(1), meta("kept", data_end_time=datetime(2026, 6, 11, 23, 59, 59, tzinfo=UTC)))
    dry = CliRunner().invoke(main, ["purge-landing", "--dry-run"])
    assert dry.exit_code == 0 and "would purge 1 file(s)" in dry.output and due.path.exists()
    done = CliRunner().invoke(main, ["purge-landing"])
    assert done.exit_code == 0, done.output
    assert f"purged {landing.relative(due.path)}" in done.output and "dated before 2026-06-11" in done.output
    assert not due.path.exists() and kept.path.exists()


def test_ahw_purge_landing_also_purges_rejected_versions_older_than_the_retention(monkeypatch, tmp_path):
    """Versions the raw gate refused are kept AHW_LANDING_RETENTION_DAYS days after their rejection, then
    ``ahw purge-landing`` deletes them (rows and document row); a recent one stays."""
    import duckdb

    from orchestration.cli import main
    from orchestration.config import load_settings

    monkeypatch.setenv("AHW_LANDING_RETENTION_DAYS", "20")
    settings = load_settings()
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    landing = Landing(settings.landing_dir, settings.landing_key)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        for score in (120, 130):  # an unknown metric key: the raw gate refuses both versions
            src = tmp_path / f"changed-{score}.json"
            src.write_bytes(json_bytes(v2_doc(score=score)))
            with pytest.raises(RawGateFailed):
                import_file(con, landing, src, SELLER_PERFORMANCE, "acme", US, salt=SALT, settings=settings)
        old = con.execute("SELECT load_id FROM raw_rejected.seller_performance WHERE ahr_score = 120").fetchone()[0]
        for table in ("documents", "seller_performance"):
            con.execute(f"UPDATE raw_rejected.{table} SET rejected_at = rejected_at - INTERVAL 21 DAY "
                        "WHERE load_id = ?", [old])  # fmt: skip
    dry = CliRunner().invoke(main, ["purge-landing", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would purge 1 rejected version(s) in raw_rejected rejected more than 20 day(s) ago" in dry.output
    done = CliRunner().invoke(main, ["purge-landing"])
    assert done.exit_code == 0, done.output
    assert "purged 1 rejected version(s)" in done.output
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        left = con.execute("SELECT DISTINCT d.load_id, p.ahr_score FROM raw_rejected.documents AS d "
                           "JOIN raw_rejected.seller_performance AS p USING (load_id)").fetchall()  # fmt: skip
        assert len(left) == 1 and left[0][1] == 130 and left[0][0] != old
        assert con.execute("SELECT count(*) FROM raw_rejected.seller_performance").fetchone() == (1,)


def test_a_landing_refuses_a_key_other_than_the_one_it_was_written_with(tmp_path):
    """Under another key nothing landed is found again and nothing can be read: one line, nothing written."""
    first = Landing(tmp_path / "landing", Fernet.generate_key())
    first.save(b"amazon-order-id\tbuyer-email\n111-1\tjane@example.com\n", meta("r1"))
    files = sorted(p for p in (tmp_path / "landing").rglob("*") if p.is_file())
    other = Landing(tmp_path / "landing", Fernet.generate_key())
    with pytest.raises(LandingError, match="AHW_LANDING_KEY is not the key the documents under"):
        other.save(b"amazon-order-id\tbuyer-email\n111-2\tjoe@example.com\n", meta("r2"))
    assert sorted(p for p in (tmp_path / "landing").rglob("*") if p.is_file()) == files


def test_threads_landing_at_once_into_a_new_landing_share_one_key_check(tmp_path):
    """The extraction threads share one Landing: the first writes of a new landing race for the key check."""
    from concurrent.futures import ThreadPoolExecutor

    landing = Landing(tmp_path / "landing", Fernet.generate_key())
    with ThreadPoolExecutor(max_workers=8) as pool:
        done = list(pool.map(lambda i: landing.save(f"order\n{i}\n".encode(), meta(f"r{i}")), range(16)))
    assert len(done) == 16
    assert sorted(p.name for p in (tmp_path / "landing" / ".content").glob("key-check*")) == ["key-check"]
