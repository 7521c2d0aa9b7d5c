"""Pages in a real browser: the hub served by uvicorn on a loopback port, Debian's Chromium
driven by Playwright, and axe-core run on every page a test visits.

Each test gets its own hub on a fresh database (SQLite and PostgreSQL, as everywhere) and
its own browser context (cookies start empty). The browser starts once per session.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

from hub.app import create_app
from hub.db import Database
from hub.settings import Settings

CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# WCAG 2.2 AA and everything below it.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SCREENSHOTS = os.environ.get("HUB_TEST_SCREENSHOTS")


@dataclass
class LiveHub:
    url: str
    app: FastAPI
    settings: Settings
    database: Database


def loopback_socket() -> socket.socket:
    """A listening socket on a free loopback port. Bound before the server starts, so the
    first request waits in the backlog rather than racing the server's start-up."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def serve(app: FastAPI, sock: socket.socket | None = None) -> Iterator[str]:
    """Serve ``app`` on a loopback port until the test ends; yield its base URL."""
    sock = sock or loopback_socket()
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", ws="none")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def live_hub(settings: Settings, database: Database) -> Iterator[LiveHub]:
    app = create_app(settings, database=database)
    for url in serve(app):
        yield LiveHub(url, app, settings, database)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser, live_hub: LiveHub) -> Iterator[BrowserContext]:
    opened = browser.new_context(base_url=live_hub.url, viewport={"width": 1100, "height": 900})
    opened.set_default_timeout(15_000)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext, live_hub: LiveHub) -> Page:
    opened = context.new_page()
    problems: list[str] = []

    # A page the CSP broke (a blocked script or style) shows up as a console error. Only
    # the hub's own pages count (the test identity provider's pages are not ours).
    def collect(message: ConsoleMessage) -> None:
        if message.type == "error" and message.location.get("url", "").startswith(live_hub.url):
            problems.append(message.text)

    opened.on("console", collect)
    opened.console_problems = problems  # type: ignore[attr-defined]
    return opened


_axe = Axe()
AXE_FIGURES: dict[str, dict[str, int]] = {}


def _impacts(violations: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for violation in violations:
        impact = str(violation.get("impact") or "none")
        counts[impact] = counts.get(impact, 0) + 1
    return counts


CheckPage = Callable[..., None]


@pytest.fixture
def check_page(request: pytest.FixtureRequest) -> CheckPage:
    """Run axe (WCAG 2.2 AA) on the page as it stands; fail on serious or critical findings.

    Also checks what every page has: one h1, a title, a skip link, no console errors
    (which is how a CSP violation shows). With HUB_TEST_SCREENSHOTS=DIR it saves a PNG."""

    def check(page: Page, state: str, *, status: int = 200) -> None:
        results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response
        violations: list[dict[str, Any]] = results["violations"]
        AXE_FIGURES[state] = _impacts(violations)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v.get("impact") in ("serious", "critical")
        ]
        assert bad == [], f"axe on {state}: {bad}"
        assert page.locator("h1").count() == 1, f"{state} has one h1"
        assert page.title(), f"{state} has a title"
        assert page.get_by_role("link", name="Skip to main content").count() == 1
        problems = list(getattr(page, "console_problems", []))
        if status != 200:
            # A page served with an error status logs that status; it is the page itself.
            own = f"the server responded with a status of {status}"
            problems = [p for p in problems if own not in p]
        assert problems == [], f"{state}: console errors {problems}"
        if SCREENSHOTS:
            name = re.sub(r"[^a-z0-9]+", "-", f"{request.node.name}-{state}".lower()).strip("-")
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)

    return check


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if AXE_FIGURES:
        terminalreporter.write_sep("-", "axe (WCAG 2.2 AA) findings by impact, per page state")
        for state, counts in sorted(AXE_FIGURES.items()):
            shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
            terminalreporter.write_line(f"{state}: {shown}")
