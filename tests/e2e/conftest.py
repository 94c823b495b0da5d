"""Browser tests: the real app served by waitress, driven by Debian's headless Chromium.

Playwright's Python package drives /usr/bin/chromium (never a downloaded browser). When
either is missing the tests skip, except in CI (CI=true), where they fail.
Set STDSEARCH_SCREENSHOTS=1 to refresh docs/screenshots/ while they run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import PROJECT, SHARED_DATA
from ..test_web import build_home, ids

CHROMIUM = Path(os.environ.get("STDSEARCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: A real law shown in the screenshots when ../shared/data is present.
SHOWCASE_LAW = SHARED_DATA / "laws" / "经济法" / "产品质量法(2018-12-29).md"
SCREENSHOTS = PROJECT / "docs" / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def e2e_home(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The web tests' home, plus the 产品质量法 when the shared data is there."""
    extra = [SHOWCASE_LAW] if SHOWCASE_LAW.exists() else []
    return build_home(
        tmp_path_factory.mktemp("e2e-sources"), tmp_path_factory.mktemp("e2e-home"), extra
    )


@pytest.fixture(scope="session")
def doc(e2e_home: Any) -> dict[str, str]:
    """Doc ids by role (seed, new, old, notice, and showcase: the 产品质量法 when present)."""
    from stdsearch.store import Store

    roles = ids(e2e_home)
    showcase = Store(e2e_home).find(title="中华人民共和国产品质量法")
    if showcase:
        roles["showcase"] = showcase[0]
    return roles


@pytest.fixture(scope="session")
def base_url(e2e_home: Any) -> Iterator[str]:
    """The app served by waitress on a free port of 127.0.0.1, in a thread."""
    from waitress.server import create_server

    from stdsearch.web import create_app

    server = create_server(create_app({"HOME": e2e_home}), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium under Playwright."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _page(browser: Any, width: int, height: int, **options: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", **options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page (1280×900) allowed to use the clipboard."""
    yield from _page(browser, 1280, 900, permissions=["clipboard-read", "clipboard-write"])


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A phone-sized touch page (360×740)."""
    yield from _page(browser, 360, 740, has_touch=True, is_mobile=True, device_scale_factor=2)


@pytest.fixture(scope="session")
def screenshots() -> Path | None:
    """docs/screenshots/ when STDSEARCH_SCREENSHOTS is set, else None."""
    if not os.environ.get("STDSEARCH_SCREENSHOTS"):
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
