"""Browser tests: Playwright drives the system Chromium against pytest-django's
live server. Nothing here downloads a browser."""

from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(autouse=True)
def _seed_data(seed_data: None) -> None:
    """Browser tests run on committed data: the seeded rules must be there."""


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # English pages whatever the machine's locale, so the labels are known.
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Europe/Brussels"}


@pytest.fixture(autouse=True)
def _static_served_by_the_live_server(settings: Any) -> None:
    """The live server serves static files from the finders by their plain
    names; the manifest storage's hashed names would answer 404 there, and
    the pages would run without their CSS and scripts."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
