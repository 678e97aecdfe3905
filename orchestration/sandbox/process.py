"""The SP-API sandbox in a child process: the same server, on the other core.

Why it exists: in one process the sandbox (rendering the world's documents) and the extractor
(parsing and loading them) take turns on one interpreter lock, so a demo that extracts 180 days of
orders and 90 days of snapshots uses one core of two, and every HTTP answer waits for the lock a
busy thread holds. In its own process the sandbox renders while the run parses and loads.

Lifetime as for the local SQS (``sqs.py``): started by the demo, stopped by its process id, and it
exits when its parent is gone even after a SIGKILL (it watches the parent's pid and asks the kernel
for SIGKILL on the parent's death). The world is the one ``WorldConfig`` describes: the same
config gives the same world in any process.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from orchestration.sandbox.sqs import _die_with_parent, free_port, stop_child
from orchestration.sandbox.world import WorldConfig

log = logging.getLogger(__name__)


@dataclass
class SandboxProcess:
    """``SandboxServer`` of ``config`` in a child process; ``start()``/``stop()`` or a context manager.

    ``speed``, ``token_ttl_seconds``, ``url_ttl_seconds`` and ``sqs_endpoint_url`` mean what they mean
    for ``SandboxServer``. ``published()`` lists the notifications it published (its admin endpoint).
    """

    config: WorldConfig
    speed: float = 60.0
    token_ttl_seconds: float = 3600
    url_ttl_seconds: float = 300
    sqs_endpoint_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    startup_timeout: float = 60.0
    log_file: Path | None = None
    """Where the child's log (warnings and errors) is appended; None = the parent's stderr."""
    _process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> SandboxProcess:
        if self._process is not None:
            return self
        self.port = self.port or free_port(self.host)
        command = [
            sys.executable, "-m", "orchestration.sandbox.process", "--host", self.host, "--port", str(self.port),
            "--seed", str(self.config.seed), "--end-date", self.config.end_date.isoformat(),
            "--days", str(self.config.days), "--volume-scale", str(self.config.volume_scale),
            "--speed", str(self.speed), "--token-ttl", str(self.token_ttl_seconds),
            "--url-ttl", str(self.url_ttl_seconds), "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        if self.sqs_endpoint_url:
            command += ["--sqs-endpoint-url", self.sqs_endpoint_url]
        stderr = None
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            stderr = self.log_file.open("ab")
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets a signal, no locks taken
        )
        if stderr is not None:
            stderr.close()  # the child holds its own descriptor
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RuntimeError(f"sandbox process exited with code {code} before it was ready")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/_sandbox/world", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sandbox process did not answer on {self.url} within {self.startup_timeout:.0f} s")
            time.sleep(0.1)
        log.info("SP-API sandbox on %s, pid %s", self.url, self._process.pid)
        return self

    def published(self) -> list[dict]:
        """The notifications the sandbox published so far (``GET /_sandbox/notifications``)."""
        return httpx.get(f"{self.url}/_sandbox/notifications", timeout=10).raise_for_status().json()["notifications"]

    def stop(self) -> None:
        """Stop the child by its process id: SIGTERM, then SIGKILL after 5 s."""
        process, self._process = self._process, None
        stop_child(process)

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _serve(args: argparse.Namespace) -> None:
    """The child's main: the sandbox until the parent is gone or SIGTERM arrives."""
    from orchestration.sandbox.server import SandboxServer
    from orchestration.sandbox.world import World

    config = WorldConfig(seed=args.seed, end_date=date.fromisoformat(args.end_date), days=args.days,
                         volume_scale=args.volume_scale)  # fmt: skip
    server = SandboxServer(World(config), speed=args.speed, host=args.host, port=args.port,
                           token_ttl_seconds=args.token_ttl, url_ttl_seconds=args.url_ttl,
                           sqs_endpoint_url=args.sqs_endpoint_url).start()  # fmt: skip
    stop = threading.Event()
    # The orders a first run will ask for, generated while it is still starting up (the other core).
    threading.Thread(target=server.world.warm, args=(stop,), name="world-warm", daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # A parent killed with SIGKILL runs no cleanup: watch it (re-parenting changes getppid()).
    while not stop.wait(0.5):
        if os.getppid() != args.parent_pid:
            break
    server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="SP-API sandbox in a child process; exits with its parent.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--end-date", required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--volume-scale", type=float, default=1.0)
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--token-ttl", type=float, default=3600)
    parser.add_argument("--url-ttl", type=float, default=300)
    parser.add_argument("--sqs-endpoint-url")
    parser.add_argument("--parent-pid", type=int, required=True)
    logging.basicConfig(level=logging.WARNING)
    _serve(parser.parse_args())
