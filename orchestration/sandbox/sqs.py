"""A local Amazon SQS: moto's server in a child process on a free port of 127.0.0.1.

Why it exists: Amazon delivers ``ACCOUNT_STATUS_CHANGED`` notifications only to an SQS queue, so the
sandbox needs a real SQS wire protocol for the warehouse's boto3 consumer to poll -- not a mock
object. moto's server speaks it (create/send/receive/delete, visibility timeouts, long polling).

Lifetime: the server runs in its own process (``python -m orchestration.sandbox.sqs``), started by
``ahw sandbox``, ``ahw dev``, the demo and the test fixtures, and stopped with them by its process
id. It must not outlive its parent even when the parent is killed with SIGKILL (no ``finally``
runs then): the child watches its parent's pid and exits when the parent is gone, and it asks the
kernel for SIGKILL on the parent's death (``PR_SET_PDEATHSIG``, Linux) as a second line.

Credentials and region are dummies: moto accepts any. Queue URLs look like
``http://127.0.0.1:<port>/123456789012/<name>``, ARNs ``arn:aws:sqs:us-east-1:123456789012:<name>``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

#: Region and AWS account id of the local queues (moto's defaults).
REGION = "us-east-1"
AWS_ACCOUNT_ID = "123456789012"
#: moto accepts any keys; these are not secrets.
ACCESS_KEY_ID = "sandbox-access-key"
SECRET_ACCESS_KEY = "sandbox-secret-key"
#: The queue the warehouse subscribes in sandbox mode (created by ``ahw notifications setup``).
DEFAULT_QUEUE_NAME = "ahw-account-notifications"

_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the child binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def queue_arn(name: str) -> str:
    """ARN of a local queue (what ``createDestination`` is given)."""
    return f"arn:aws:sqs:{REGION}:{AWS_ACCOUNT_ID}:{name}"


def queue_name_of_arn(arn: str) -> tuple[str, str]:
    """(aws account id, queue name) of an SQS ARN ``arn:aws:sqs:<region>:<account>:<name>``."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise ValueError(f"not an SQS queue ARN: {arn!r}")
    return parts[4], parts[5]


def sqs_client(endpoint_url: str | None, region: str, access_key_id: str, secret_access_key: str):
    """A boto3 SQS client with explicit credentials (never boto3's own environment lookup)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sqs",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        # Long polls last up to 20 s: the read timeout must outlast them.
        config=Config(read_timeout=30, connect_timeout=5, retries={"max_attempts": 2, "mode": "standard"}),
    )


def local_sqs_client(endpoint_url: str):
    """A boto3 client for the local server (dummy keys and region)."""
    return sqs_client(endpoint_url, REGION, ACCESS_KEY_ID, SECRET_ACCESS_KEY)


def _die_with_parent() -> None:
    """preexec_fn of the child: SIGKILL when the parent dies (Linux; a no-op elsewhere)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class SqsServer:
    """moto's SQS server as a child process; ``start()``/``stop()`` or a context manager."""

    host: str = "127.0.0.1"
    port: int = 0
    startup_timeout: float = 30.0
    _process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> SqsServer:
        if self._process is not None:
            return self
        self.port = self.port or free_port(self.host)
        command = [sys.executable, "-m", "orchestration.sandbox.sqs", "--host", self.host, "--port", str(self.port),
                   "--parent-pid", str(os.getpid())]  # fmt: skip
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own process group: a Ctrl-C meant for the parent's terminal reaches the parent, which
            # then stops the child in order; PR_SET_PDEATHSIG covers a parent that dies without cleanup.
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets a signal, no locks taken
        )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RuntimeError(f"local SQS server (moto) exited with code {code} before it was ready")
            with contextlib.suppress(httpx.HTTPError):
                # moto answers any path; the moto API's health route is cheap.
                if httpx.get(f"{self.endpoint_url}/moto-api/", timeout=1).status_code < 500:
                    break
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"local SQS server (moto) did not answer on {self.endpoint_url} within "
                                   f"{self.startup_timeout:.0f} s")  # fmt: skip
            time.sleep(0.1)
        log.info("local SQS server (moto) on %s, pid %s", self.endpoint_url, self._process.pid)
        return self

    def stop(self) -> None:
        """Stop the child by its process id: SIGTERM, then SIGKILL after 5 s."""
        process, self._process = self._process, None
        stop_child(process)

    def __enter__(self) -> SqsServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_child(process: subprocess.Popen | None) -> None:
    """Stop a child server by its process id: SIGTERM, then SIGKILL after 5 s (nothing if it is gone)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _serve(host: str, port: int, parent_pid: int) -> None:
    """The child's main: moto's threaded server until the parent is gone or SIGTERM arrives."""
    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # A parent killed with SIGKILL runs no cleanup: watch it (re-parenting changes getppid()).
    while not stop.wait(0.5):
        if os.getppid() != parent_pid:
            break
    server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Local SQS (moto) for the SP-API sandbox; exits with its parent.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parent-pid", type=int, required=True)
    args = parser.parse_args()
    _serve(args.host, args.port, args.parent_pid)
