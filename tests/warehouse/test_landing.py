"""Landing: documents as received, metadata without secrets, never rewritten."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from orchestration.warehouse.landing import Landing, LandingError, LandingMeta
from tests.warehouse.wh_samples import US, feedback_doc


def meta(**overrides) -> LandingMeta:
    values = dict(
        report_id="50001",
        report_type="GET_SELLER_FEEDBACK_DATA",
        account_id="acme",
        marketplace_id=US,
        data_start_time=datetime(2026, 11, 1, tzinfo=UTC),
        data_end_time=datetime(2026, 11, 25, 23, 59, 59, tzinfo=UTC),
        requested_at=datetime(2026, 11, 26, 1, 0, tzinfo=UTC),
        completed_at=datetime(2026, 11, 26, 1, 2, tzinfo=UTC),
        processing_status="DONE",
        compression="GZIP",
    )
    values.update(overrides)
    return LandingMeta(**values)


def test_save_gzip_as_received_and_read_decompresses(landing: Landing):
    doc = feedback_doc()
    content = gzip.compress(doc)
    landed = landing.save(content, meta())
    assert landed.path == landing.root / "seller_feedback" / "acme" / US / "50001.tsv.gz.fernet"
    with landing.open_plain(landed.path) as fh:
        assert fh.read() == content  # exactly as received, once decrypted
    assert landed.bytes == len(content) and landed.is_gzip and landed.is_encrypted
    assert landing.read(landed) == doc
    assert landing.relative(landed.path) == f"seller_feedback/acme/{US}/50001.tsv.gz.fernet"
    info = json.loads(landed.meta_path.read_text())
    assert landed.meta_path.name == "50001.meta.json"
    assert info["report_type"] == "GET_SELLER_FEEDBACK_DATA" and info["report_id"] == "50001"
    assert info["sha256"] == landed.sha256 and info["bytes"] == len(content)
    assert info["compression"] == "GZIP" and info["source"] == "sp-api"
    assert info["data_start_time"] == "2026-11-01T00:00:00Z"
    assert info["processing_status"] == "DONE"
    assert not [p for p in landed.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_plain_document_extension_and_key_lookup(landing: Landing):
    landed = landing.save(b"{}", meta(report_type="seller_performance", compression=None, report_id="7"))
    assert landed.path.name == "7.json"
    assert landing.read(landed) == b"{}"


def test_same_content_is_not_rewritten(landing: Landing):
    content = gzip.compress(feedback_doc())
    first = landing.save(content, meta())
    mtime = first.path.stat().st_mtime_ns
    meta_text = first.meta_path.read_text()
    second = landing.save(content, meta(requested_at=datetime(2030, 1, 1, tzinfo=UTC)))
    assert second == first
    assert first.path.stat().st_mtime_ns == mtime
    assert first.meta_path.read_text() == meta_text


def test_different_content_for_same_report_is_refused(landing: Landing):
    first = landing.save(gzip.compress(feedback_doc()), meta())
    with pytest.raises(LandingError, match="never rewritten"):
        landing.save(gzip.compress(b"other"), meta())
    assert landing.read(first) == feedback_doc()
    with pytest.raises(LandingError, match="never rewritten"):
        landing.save(b"plain copy", meta(compression=None))
    first.meta_path.unlink()  # a crash between the document and its metadata: another name is still refused
    with pytest.raises(LandingError, match="refusing"):
        landing.save(b"plain copy", meta(compression=None))


def test_truncated_gzip_names_the_file(landing: Landing):
    landed = landing.save(gzip.compress(feedback_doc() * 50)[:-30], meta())
    with pytest.raises(LandingError, match=r"50001\.tsv\.gz\.fernet: truncated or corrupt gzip"):
        landing.read(landed)


def test_unsafe_path_components_are_refused(landing: Landing):
    for bad in (dict(account_id="../etc"), dict(report_id="a/b"), dict(marketplace_id=".hidden")):
        with pytest.raises(LandingError):
            landing.save(b"x", meta(**bad))


def test_metadata_has_only_known_fields(landing: Landing):
    landed = landing.save(b"x", meta(compression=None))
    info = json.loads(landed.meta_path.read_text())
    assert set(info) == {
        "report_id", "report_type", "account_id", "marketplace_id", "data_start_time", "data_end_time",
        "requested_at", "completed_at", "processing_status", "bytes", "sha256", "compression", "source",
        "content_type", "charset", "encoding", "encoding_source", "file", "landed_at", "stored_file",
        "duplicate_of", "encryption", "document_date", "purged_at",
    }  # fmt: skip
    assert not any(word in landed.meta_path.read_text().lower() for word in ("token", "secret", "http"))


def test_optional_key_and_format_are_checked(landing: Landing):
    landed = landing.save(b"x", meta(compression=None, report_type_key="seller_feedback", format="tsv"))
    assert landed.path.name == "50001.tsv.fernet"
    with pytest.raises(LandingError, match="inconsistent"):
        landing.save(b"x", meta(report_id="2", compression=None, report_type_key="orders"))
