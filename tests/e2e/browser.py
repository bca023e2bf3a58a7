"""What the browser suites share: Debian's chromium driven by Playwright, phone-sized.

Tests marked ``browser`` run wherever ``/usr/bin/chromium`` (``KUZET_CHROMIUM``) and the
Playwright package are present; elsewhere they are skipped with a plain reason, unless
``KUZET_REQUIRE_BROWSER=1`` (CI), which turns every such skip into a failure. Playwright never
downloads a browser here: it launches the system's chromium by path.

Suites use :func:`launch_phone` (a persistent profile, so IndexedDB and the service worker
survive closing the browser) and save screenshots with :func:`screenshot` under
``var/screenshots/<suite>/``.

``KUZET_PHONE_CPU_SLOWDOWN=N`` (e.g. 4 or 6) runs every page of every :func:`launch_phone`
context with chromium's CPU throttled N times (CDP ``Emulation.setCPUThrottlingRate``), pages
opened later included: the district's cheap phones are several times slower than a CI box, and
races between the app's socket frames, pulls and screen refreshes show only there. A suite that
must always run slow throttles its own page with :func:`slow_cpu`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KUZET_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("KUZET_REQUIRE_BROWSER", "") in {"1", "true", "yes"}
SCREENSHOTS = ROOT / "var" / "screenshots"
FIELD_BUILD = ROOT / "field" / "dist" / "index.html"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A cheap Android phone: 360 × 740 CSS pixels, touch, the officers' time zone.
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "ru-RU",
    "timezone_id": "Asia/Almaty",
}


def browser_missing() -> str | None:
    """Why a browser test cannot run here, or None."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def field_build_missing() -> str | None:
    if not FIELD_BUILD.is_file():
        return "the field app is not built (make field)"
    return None


@contextmanager
def playwright() -> Iterator[Any]:
    """The Playwright driver. Its sync API runs an event loop in this thread, which makes
    Django refuse ORM calls from the test; the test's ORM use is plain synchronous code, so
    the check is lifted while the driver runs. Django keeps connections per async context,
    so the ones opened inside are closed before leaving it (else the test database cannot
    be dropped at the end of the session)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            try:
                yield driver
            finally:
                connections.close_all()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def slow_cpu(page: Any, rate: float) -> None:
    """Run ``page``'s CPU ``rate`` times slower, as a cheap phone's (1 is full speed)."""
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": rate})


def phone_cpu_slowdown() -> float:
    """``KUZET_PHONE_CPU_SLOWDOWN`` as a number (1 when unset: full speed)."""
    return float(os.environ.get("KUZET_PHONE_CPU_SLOWDOWN") or 1)


def launch_phone(driver: Any, profile: Path, **options: Any) -> Any:
    """A persistent phone-sized chromium context on ``profile`` (kept between launches); its
    pages as slow as ``KUZET_PHONE_CPU_SLOWDOWN`` says (see above)."""
    context = driver.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        **{**PHONE, **options},
    )
    rate = phone_cpu_slowdown()
    if rate > 1:
        for page in context.pages:
            slow_cpu(page, rate)
        context.on("page", lambda page: slow_cpu(page, rate))
    return context


def launch(driver: Any, **options: Any) -> Any:
    """A throwaway chromium (no profile) for suites that need no persistence, e.g. staff
    screens: ``launch(driver).new_context(viewport=…)``."""
    return driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **options)


def screenshot(page: Any, suite: str, name: str) -> Path:
    folder = SCREENSHOTS / suite
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    # From the top: the sticky header would otherwise sit wherever the page was scrolled.
    page.evaluate("window.scrollTo(0, 0)")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # playwright's Error; its module is imported only where needed
        # Chromium answers "Unable to capture screenshot" when asked for a full page while
        # it is still laying out a page just loaded in a resized window (CI, 2026-12-07: the
        # handover page after set_viewport_size and a click); the next frame can be taken.
        if "Unable to capture screenshot" not in str(exc):
            raise
        page.wait_for_timeout(500)
        page.screenshot(path=str(path), full_page=True)
    return path


def fresh_profile(tmp_path: Path, name: str = "profile") -> Path:
    profile = tmp_path / name
    shutil.rmtree(profile, ignore_errors=True)
    return profile


# WCAG 2 contrast of an element's text against what is drawn behind it: the first ancestor
# (itself included) with an opaque background colour.
_CONTRAST_JS = """
el => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = el, back = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] === 1) { back = c; break; }
    node = node.parentElement;
  }
  back = back || [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(back)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def contrast(page: Any, selector: str) -> float:
    """The contrast ratio of ``selector``'s text (4.5 is WCAG AA for normal text)."""
    return float(page.locator(selector).first.evaluate(_CONTRAST_JS))


# The browser's locale for the reader's language (English: a British one, dates as 05/12).
LOCALES = {"kk": "kk-KZ", "ru": "ru-RU"}


def console_login(
    browser: Any,
    server: str,
    officer: Any,
    *,
    password: str,
    language: str = "en",
    viewport: dict[str, int],
    timezone: str = "Asia/Almaty",
) -> Any:
    """A page of ``viewport`` logged in to the console as ``officer`` (given ``password``),
    reading ``language``, on a computer whose clock is set to ``timezone``. Page errors are
    collected in ``page.kuzet_errors``; a test asserts they stay empty."""
    from tests.e2e.processes import set_server_password

    officer.language = language
    set_server_password(officer, password)
    officer.save(update_fields=["language", "password"])
    context = browser.new_context(
        viewport=viewport, locale=LOCALES.get(language, "en-GB"), timezone_id=timezone
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.kuzet_errors = errors
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page
