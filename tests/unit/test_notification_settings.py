"""Settings of notifications and alerts: queue URL -> ARN and region, AWS keys required with a live
queue, alert URLs split the way Apprise splits them and never shown in an error."""

from __future__ import annotations

import pytest

from orchestration.config import SettingsError, load_settings
from orchestration.notifications.queue import QueueNotConfigured, live_queue, queue_from_settings

QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/ahw-notifications"


def live(tmp_path, **extra):
    return {
        "AHW_ACCOUNTS_FILE": str(tmp_path / "a.json"),
        "AHW_PII_SALT": "salt",
        "AHW_LANDING_KEY": "YWh3LXRlc3QtbGFuZGluZy1rZXktb2YtMzItYnl0ZXM=",
        **extra,
    }


def test_the_queue_arn_and_region_derive_from_its_url_unless_set(tmp_path):
    settings = load_settings(live(tmp_path, AHW_SQS_QUEUE_URL=QUEUE, AHW_AWS_ACCESS_KEY_ID="AKIA",
                                  AHW_AWS_SECRET_ACCESS_KEY="secret"))  # fmt: skip
    assert settings.sqs_queue_arn == "arn:aws:sqs:eu-west-1:123456789012:ahw-notifications"
    assert settings.sqs_region == "eu-west-1"
    queue = live_queue(settings)
    assert (queue.queue_url, queue.mode, queue.endpoint_url) == (QUEUE, "live", None)
    assert "secret" not in repr(queue)
    explicit = load_settings({"AHW_SQS_QUEUE_URL": QUEUE, "AHW_SQS_QUEUE_ARN": "arn:aws:sqs:us-east-2:1:q",
                              "AHW_SQS_REGION": "us-east-2"})  # fmt: skip
    assert (explicit.sqs_queue_arn, explicit.sqs_region) == ("arn:aws:sqs:us-east-2:1:q", "us-east-2")


def test_a_live_queue_needs_the_aws_keys_and_a_valid_url(tmp_path):
    with pytest.raises(SettingsError, match="AHW_AWS_ACCESS_KEY_ID"):
        load_settings(live(tmp_path, AHW_SQS_QUEUE_URL=QUEUE))
    with pytest.raises(SettingsError, match="AHW_SQS_QUEUE_URL"):
        load_settings({"AHW_SQS_QUEUE_URL": "sqs/ahw"})
    with pytest.raises(SettingsError, match="AHW_SQS_QUEUE_ARN"):
        load_settings({"AHW_SQS_QUEUE_ARN": "ahw"})
    with pytest.raises(QueueNotConfigured, match="AHW_SQS_QUEUE_URL"):
        queue_from_settings(load_settings(live(tmp_path)))
    with pytest.raises(QueueNotConfigured, match="AHW_SANDBOX_URL"):
        queue_from_settings(load_settings({}))


def test_alert_urls_split_like_apprise_and_stay_secret():
    raw = "slack://T1/B2/C3/#ops, mailto://u:p@smtp.example.com?to=a@example.com,b@example.com json://h/x"
    settings = load_settings({"AHW_ALERT_URLS": raw})
    assert settings.alert_urls == [
        "slack://T1/B2/C3/#ops",
        "mailto://u:p@smtp.example.com?to=a@example.com,b@example.com",
        "json://h/x",
    ]
    assert "T1/B2" not in repr(settings) and load_settings({}).alert_urls == []
    with pytest.raises(SettingsError) as err:
        load_settings({"AHW_ALERT_URLS": raw, "AHW_DBT_THREADS": "0"})
    assert "T1/B2" not in str(err.value)
