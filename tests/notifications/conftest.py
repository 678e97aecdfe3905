"""Fixtures of the notification and alert tests: a real local SQS (moto, a child process), a sandbox
publishing to it, and local receivers for alerts (an HTTP server for JSON and Slack-shaped webhooks,
an SMTP server) on 127.0.0.1."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from orchestration.sandbox import SandboxServer, World, WorldConfig
from orchestration.sandbox.sqs import SqsServer, free_port

END = date(2026, 6, 30)
SCALE = 0.05


@pytest.fixture(scope="session")
def sqs_server() -> Iterator[SqsServer]:
    with SqsServer() as server:
        yield server


@pytest.fixture(scope="session")
def notification_world() -> World:
    return World(WorldConfig(end_date=END, volume_scale=SCALE))


@pytest.fixture
def sandbox(notification_world, sqs_server) -> Iterator[SandboxServer]:
    """A sandbox of its own per test (subscriptions and published messages start empty)."""
    with SandboxServer(notification_world, speed=1000, token_ttl_seconds=3_600_000, url_ttl_seconds=30_000,
                       sqs_endpoint_url=sqs_server.endpoint_url) as server:  # fmt: skip
        yield server


@dataclass
class Received:
    """What the local alert receivers got."""

    http: list[tuple[str, dict]] = field(default_factory=list)
    """(path, JSON body) per webhook call."""
    mails: list[email.message.Message] = field(default_factory=list)

    def texts(self) -> list[str]:
        """Every text a person would read: webhook bodies, mail subjects and bodies."""
        out = [json.dumps(body) for _, body in self.http]
        for mail in self.mails:
            out.append(str(mail["Subject"]))
            out.append(mail.get_payload(decode=True).decode("utf-8", "replace"))
        return out


@pytest.fixture(scope="module")
def receivers() -> Iterator[tuple[Received, int, int]]:
    """(received, http port, smtp port): a JSON webhook receiver and an SMTP server on 127.0.0.1."""
    from aiosmtpd.controller import Controller

    received = Received()

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            received.http.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    class Mailbox:
        async def handle_DATA(self, server, session, envelope):
            received.mails.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        yield received, httpd.server_address[1], smtp.port
    finally:
        smtp.stop()
        httpd.shutdown()
        httpd.server_close()
