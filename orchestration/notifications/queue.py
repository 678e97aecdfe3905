"""Which SQS queue notifications arrive in, and a boto3 client for it.

Live mode: the queue the user created in AWS (AHW_SQS_QUEUE_URL, its ARN and region, and the keys of
an AWS user allowed to receive and delete its messages). Amazon must be allowed to send to it: the
queue policy grants ``sqs:SendMessage`` and ``sqs:GetQueueAttributes`` to Amazon's SP-API
notifications principal (Amazon's Notifications API use-case guide). Sandbox mode: the local SQS
(moto) the running sandbox names in ``GET /_sandbox/world``, and a queue of a fixed name there, which
``ahw notifications setup`` creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.config import Settings
from orchestration.sandbox import sqs as local_sqs


class QueueNotConfigured(RuntimeError):
    """No queue to poll: live mode without AHW_SQS_QUEUE_URL, or a sandbox without a local SQS."""


@dataclass(frozen=True)
class QueueConfig:
    queue_url: str
    queue_arn: str
    region: str
    mode: str
    """``live`` or ``sandbox``."""
    endpoint_url: str | None = None
    """None for Amazon's regional endpoint; the local server's URL in sandbox mode."""
    access_key_id: str = field(default="", repr=False)
    secret_access_key: str = field(default="", repr=False)

    @property
    def is_sandbox(self) -> bool:
        return self.mode == "sandbox"

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[1]

    def client(self):
        """A boto3 SQS client with this queue's credentials, passed explicitly."""
        return local_sqs.sqs_client(self.endpoint_url, self.region, self.access_key_id, self.secret_access_key)


def live_queue(settings: Settings) -> QueueConfig:
    """The live queue from the settings; QueueNotConfigured when AHW_SQS_QUEUE_URL is unset."""
    if not settings.sqs_queue_url:
        raise QueueNotConfigured(
            "no notification queue: set AHW_SQS_QUEUE_URL (and AHW_AWS_ACCESS_KEY_ID, AHW_AWS_SECRET_ACCESS_KEY) "
            "to the Amazon SQS queue Amazon delivers ACCOUNT_STATUS_CHANGED to"
        )
    assert settings.sqs_queue_arn and settings.sqs_region and settings.aws_secret_access_key  # settings validated
    return QueueConfig(
        queue_url=settings.sqs_queue_url,
        queue_arn=settings.sqs_queue_arn,
        region=settings.sqs_region,
        mode="live",
        access_key_id=settings.aws_access_key_id or "",
        secret_access_key=settings.aws_secret_access_key.get_secret_value(),
    )


def sandbox_queue(sqs_endpoint_url: str | None, queue_name: str = local_sqs.DEFAULT_QUEUE_NAME) -> QueueConfig:
    """The local queue of a running sandbox (its ``sqs_endpoint_url`` from ``GET /_sandbox/world``)."""
    if not sqs_endpoint_url:
        raise QueueNotConfigured(
            "the sandbox has no local SQS: start it with `ahw sandbox` (or `ahw dev`), which starts one, and point "
            "AHW_SANDBOX_URL at it; the sandbox embedded in a single run has no queue"
        )
    return QueueConfig(
        queue_url=f"{sqs_endpoint_url.rstrip('/')}/{local_sqs.AWS_ACCOUNT_ID}/{queue_name}",
        queue_arn=local_sqs.queue_arn(queue_name),
        region=local_sqs.REGION,
        mode="sandbox",
        endpoint_url=sqs_endpoint_url,
        access_key_id=local_sqs.ACCESS_KEY_ID,
        secret_access_key=local_sqs.SECRET_ACCESS_KEY,
    )


def queue_from_settings(settings: Settings) -> QueueConfig:
    """The queue of the configured mode: live settings, or the running sandbox (AHW_SANDBOX_URL).

    Raises QueueNotConfigured with what to set when there is none.
    """
    if settings.is_live:
        return live_queue(settings)
    if not settings.sandbox_url:
        raise QueueNotConfigured(
            "no notification queue in sandbox mode without a running sandbox: start `ahw sandbox` (it starts a "
            "local SQS) or `ahw dev`, and set AHW_SANDBOX_URL"
        )
    return queue_for_sandbox(settings.sandbox_url)


def queue_for_sandbox(admin_url: str) -> QueueConfig:
    """The local queue of the sandbox at ``admin_url`` (QueueNotConfigured when it has no SQS)."""
    import httpx

    world = httpx.get(admin_url.rstrip("/") + "/_sandbox/world", timeout=10).raise_for_status().json()
    return sandbox_queue(world.get("sqs_endpoint_url"))
