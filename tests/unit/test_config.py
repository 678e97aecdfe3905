import json
from datetime import date
from pathlib import Path

import pytest

from orchestration.config import SettingsError, load_settings
from orchestration.ingest import SnapshotRefused, check_snapshot_days
from orchestration.spapi.accounts import AccountConfigError, load_accounts_file
from orchestration.spapi.report_types import ORDERS, SELLER_PERFORMANCE, report_type


def test_defaults_run_against_the_sandbox_under_data():
    settings = load_settings({})
    assert settings.data_dir == Path("data")
    assert settings.duckdb_path == Path("data/warehouse.duckdb")
    assert settings.landing_dir == Path("data/landing")
    assert not settings.is_live


def test_duckdb_path_follows_the_data_dir_unless_set():
    assert load_settings({"AHW_DATA_DIR": "/x"}).duckdb_path == Path("/x/warehouse.duckdb")
    assert load_settings({"AHW_DATA_DIR": "/x", "AHW_DUCKDB_PATH": "/y/w.duckdb"}).duckdb_path == Path("/y/w.duckdb")


LANDING_KEY = "YWh3LXRlc3QtbGFuZGluZy1rZXktb2YtMzItYnl0ZXM="  # a valid Fernet key (32 bytes), for tests only


def test_live_mode_is_configuration_and_requires_a_salt_and_a_landing_key(tmp_path):
    with pytest.raises(ValueError, match="AHW_PII_SALT") as raised:
        load_settings({"AHW_ACCOUNTS_FILE": str(tmp_path / "a.json")})
    assert any(p.startswith("AHW_LANDING_KEY: must be set in live mode") for p in raised.value.problems)
    settings = load_settings({"AHW_ACCOUNTS_FILE": str(tmp_path / "a.json"), "AHW_PII_SALT": "s",
                              "AHW_LANDING_KEY": LANDING_KEY})  # fmt: skip
    assert settings.is_live and settings.landing_key == LANDING_KEY


def test_the_landing_key_must_be_a_fernet_key_and_is_never_echoed(tmp_path):
    from orchestration.config import DEVELOPMENT_LANDING_KEY, SettingsError

    with pytest.raises(SettingsError) as raised:
        load_settings({"AHW_LANDING_KEY": "canary-not-a-key"})
    (problem,) = raised.value.problems
    assert problem.startswith("AHW_LANDING_KEY: must be a Fernet key") and "canary" not in str(raised.value)
    assert load_settings({}).landing_key == DEVELOPMENT_LANDING_KEY  # sandbox mode only


def test_landing_retention_counts_from_the_sandbox_worlds_end_or_today_when_live(tmp_path):
    from datetime import UTC, date, datetime, timedelta

    sandbox = load_settings({"AHW_SANDBOX_END_DATE": "2026-06-30", "AHW_LANDING_RETENTION_DAYS": "10"})
    assert sandbox.landing_purge_before == date(2026, 6, 21)
    assert load_settings({"AHW_SANDBOX_END_DATE": "2026-06-30"}).landing_purge_before == date(2026, 6, 1)
    live = load_settings({"AHW_ACCOUNTS_FILE": str(tmp_path / "a.json"), "AHW_PII_SALT": "s",
                          "AHW_LANDING_KEY": LANDING_KEY})  # fmt: skip
    assert live.landing_purge_before == datetime.now(UTC).date() - timedelta(days=30)
    with pytest.raises(ValueError, match="AHW_LANDING_RETENTION_DAYS"):
        load_settings({"AHW_LANDING_RETENTION_DAYS": "0"})


def write_accounts(tmp_path, accounts):
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"accounts": accounts}))
    return path


def test_accounts_file_reads_tokens_from_the_named_variable_only(tmp_path):
    path = write_accounts(
        tmp_path,
        [
            {
                "name": "acme",
                "selling_partner_id": "A1",
                "region": "na",
                "marketplaces": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                "refresh_token_env": "TOKEN_ACME",
            }
        ],
    )
    (account,) = load_accounts_file(path)
    assert account.region == "NA" and account.marketplace_ids == ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2")
    assert account.refresh_token({"TOKEN_ACME": "Atzr|secret"}) == "Atzr|secret"
    with pytest.raises(AccountConfigError, match="TOKEN_ACME") as err:
        account.refresh_token({})
    assert "secret" not in str(err.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "a", "selling_partner_id": "A1", "region": "NA", "marketplaces": ["X"], "refresh_token_env": "T"},
            "unknown marketplace",
        ),
        (
            {
                "name": "a",
                "selling_partner_id": "A1",
                "region": "NA",
                "marketplaces": ["A1PA6795UKMFR9"],
                "refresh_token_env": "T",
            },
            "region EU",
        ),
        (
            {"name": "a", "region": "NA", "marketplaces": ["ATVPDKIKX0DER"]},
            "account a: selling_partner_id Field required",
        ),
        ("acme", "account #1: must be an object"),
    ],
)
def test_accounts_file_errors_say_what_is_wrong(tmp_path, entry, message):
    with pytest.raises(AccountConfigError, match=message):
        load_accounts_file(write_accounts(tmp_path, [entry]))


def test_report_types_are_found_by_name_or_key():
    assert report_type("orders") is ORDERS
    assert report_type("GET_V2_SELLER_PERFORMANCE_REPORT") is SELLER_PERFORMANCE
    with pytest.raises(KeyError, match="unknown report type"):
        report_type("GET_NOTHING")


def test_live_snapshot_of_a_past_day_is_refused_with_the_reason():
    today = date(2026, 11, 26)
    check_snapshot_days(SELLER_PERFORMANCE, [date(2026, 11, 25)], live=True, today=today)
    check_snapshot_days(ORDERS, [date(2026, 1, 1)], live=True, today=today)
    check_snapshot_days(SELLER_PERFORMANCE, [date(2026, 1, 1)], live=False, today=today)
    with pytest.raises(SnapshotRefused, match="current state") as err:
        check_snapshot_days(SELLER_PERFORMANCE, [date(2026, 11, 1), date(2026, 11, 25)], live=True, today=today)
    assert "2026-11-01" in str(err.value) and "import-report" in str(err.value)


def test_live_mode_targets_amazon_by_configuration_only(tmp_path, monkeypatch):
    from orchestration.config import load_settings
    from orchestration.defs.extraction.resources import live_connection
    from orchestration.spapi.client import LIVE_LWA_URL, reports_client

    path = write_accounts(
        tmp_path,
        [
            {"name": "eu-shop", "selling_partner_id": "A9", "region": "EU", "marketplaces": ["A1PA6795UKMFR9"],
             "refresh_token_env": "TOKEN_EU"},
        ],
    )  # fmt: skip
    monkeypatch.setenv("AHW_ACCOUNTS_FILE", str(path))
    monkeypatch.setenv("AHW_PII_SALT", "salt")
    monkeypatch.setenv("AHW_LANDING_KEY", LANDING_KEY)
    monkeypatch.setenv("LWA_APP_ID", "amzn1.application-oa2-client.x")
    monkeypatch.setenv("LWA_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("TOKEN_EU", "Atzr|live")
    connection = live_connection(load_settings())
    assert connection.mode == "live" and not connection.endpoint.is_sandbox
    assert connection.endpoint.lwa_url == LIVE_LWA_URL
    (account,) = connection.accounts
    client = reports_client(connection.endpoint, account, "A1PA6795UKMFR9")
    assert client.endpoint == "https://sellingpartnerapi-eu.amazon.com"
    assert client._auth.host == "api.amazon.com" and client._auth.scheme == "https://"
    assert "s3cret" not in repr(connection.endpoint)
    client.close()


def test_live_mode_without_app_credentials_says_what_is_missing(tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.config import load_settings
    from orchestration.defs.extraction.resources import live_connection

    monkeypatch.setenv("AHW_ACCOUNTS_FILE", str(tmp_path / "a.json"))
    monkeypatch.setenv("AHW_PII_SALT", "salt")
    monkeypatch.setenv("AHW_LANDING_KEY", LANDING_KEY)
    with pytest.raises(dg.Failure, match="LWA_APP_ID and LWA_CLIENT_SECRET"):
        live_connection(load_settings())


def test_every_invalid_setting_is_listed_at_once_with_its_variable(tmp_path):
    from orchestration.config import SettingsError

    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    with pytest.raises(SettingsError) as err:
        load_settings({"AHW_DATA_DIR": str(a_file), "AHW_DBT_THREADS": "many", "AHW_SANDBOX_URL": "localhost:8787"})
    problems = err.value.problems
    assert any(p.startswith("AHW_DBT_THREADS:") for p in problems)
    assert any(p.startswith("AHW_SANDBOX_URL:") and "http" in p for p in problems)
    # Cross-field checks run once the fields themselves are valid.
    with pytest.raises(SettingsError, match="AHW_DATA_DIR: .* is a file"):
        load_settings({"AHW_DATA_DIR": str(a_file)})


def test_secrets_never_appear_in_a_settings_error_or_repr(tmp_path):
    from orchestration.config import SettingsError

    with pytest.raises(SettingsError) as err:
        load_settings({"AHW_ACCOUNTS_FILE": str(tmp_path / "a.json"), "LWA_CLIENT_SECRET": "canary-s3cret",
                       "AHW_DBT_THREADS": "0"})  # fmt: skip
    assert "canary-s3cret" not in str(err.value)
    settings = load_settings({"LWA_CLIENT_SECRET": "canary-s3cret", "AHW_PII_SALT": "canary-salt"})
    assert "canary" not in repr(settings) and settings.pii_salt == "canary-salt"


def test_the_process_environment_is_read_only_when_no_mapping_is_given(monkeypatch, tmp_path):
    monkeypatch.setenv("AHW_DATA_DIR", str(tmp_path / "elsewhere"))
    assert load_settings().data_dir == tmp_path / "elsewhere"
    assert load_settings({}).data_dir == Path("data")


def test_endpoints_default_to_amazons_and_are_configured_per_region():
    from orchestration.catalogue import REGION_ENDPOINTS
    from orchestration.spapi.accounts import SellerAccount
    from orchestration.spapi.client import LIVE_LWA_URL, SpApiEndpoint

    assert load_settings({}).spapi_endpoints == {} and load_settings({}).lwa_endpoint is None
    settings = load_settings({"AHW_LWA_ENDPOINT": "http://127.0.0.1:9/auth/o2/token",
                              "AHW_SPAPI_ENDPOINT_EU": "http://127.0.0.1:9/"})  # fmt: skip
    assert settings.lwa_endpoint == "http://127.0.0.1:9/auth/o2/token"
    assert settings.spapi_endpoints == {"EU": "http://127.0.0.1:9"}
    endpoint = SpApiEndpoint(lwa_url=settings.lwa_endpoint, region_urls=tuple(settings.spapi_endpoints.items()))
    eu = SellerAccount("a", "A1", "EU", ("A1PA6795UKMFR9",), refresh_token_env="T")
    na = SellerAccount("b", "A2", "NA", ("ATVPDKIKX0DER",), refresh_token_env="T")
    assert endpoint.base_url(eu) == "http://127.0.0.1:9"
    assert endpoint.base_url(na) == REGION_ENDPOINTS["NA"] == "https://sellingpartnerapi-na.amazon.com"
    assert SpApiEndpoint().lwa_url == LIVE_LWA_URL == "https://api.amazon.com/auth/o2/token"
    with pytest.raises(SettingsError) as err:
        load_settings({"AHW_SPAPI_ENDPOINT_FE": "sellingpartnerapi-fe.amazon.com"})
    assert "AHW_SPAPI_ENDPOINT_FE" in str(err.value)
