"""Browser testing for the project: Debian's chromium driven by Playwright, and what a page did.

The browser is the system's ``/usr/bin/chromium`` (Debian package ``chromium``, installed by
``make browser``, which ``make test`` runs first); Playwright's own browser download is never used.
It runs headless as root, hence ``--no-sandbox``, and with Chromium's background networking off: on a
machine without internet access those connections (updates, sync, field trials) are refused many
at a time, and they are requests the page did not make.

:func:`open_page` opens a URL in a fresh page and records its console errors, uncaught exceptions
and every request; requests to anything but ``file:`` and ``data:`` URLs are aborted and recorded,
so a page that tries to reach the network fails its test instead of reaching it. Screenshots go under
``test-artifacts/`` (ignored by git; CI keeps the folder as an artifact).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
#: Flags that keep Chromium quiet on a closed network (see the module docstring).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
)
#: A laptop screen: what the report must be readable on.
LAPTOP_VIEWPORT = {"width": 1366, "height": 860}
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def launch_chromium(playwright):
    """Start Debian's chromium headless through Playwright; fails with what to do when it is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: the browser tests use Debian's chromium; run 'make browser' "
            "(as root it installs the package with apt-get) and run the tests again"
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS))


@dataclass
class PageRecord:
    """What one page did while the test looked at it."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def outside_requests(self) -> list[str]:
        """Requests to anything but local URLs (each was aborted)."""
        return [u for u in self.requests if not u.startswith(LOCAL_SCHEMES)] + self.blocked

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.page_errors


def open_page(context, url: str, wait_until: str = "load"):
    """Open ``url`` in a new page of ``context``; returns the page and its :class:`PageRecord`."""
    record = PageRecord()

    def route(r):
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            record.blocked.append(r.request.url)
            r.abort()

    page = context.new_page()
    page.route("**/*", route)
    page.on("request", lambda request: record.requests.append(request.url))
    page.on("console", lambda message: record.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: record.page_errors.append(str(error)))
    page.goto(url, wait_until=wait_until)
    return page, record


def screenshot(page, folder: str, name: str) -> Path:
    """A full-page PNG under ``test-artifacts/<folder>/<name>.png``; returns its path."""
    path = ARTIFACTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
