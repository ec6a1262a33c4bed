"""Browser fixtures: Debian's Chromium driven by Python Playwright against a real JupyterLab."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from .lab import LabServer
from .steps import VISIBLE_NOTEBOOK

# Conditions, not sleeps: but on a loaded 2-core CI machine a slicer run or a model
# inspection can take longer than Playwright's default 5 s, so wait up to 20 s.
expect.set_options(timeout=20_000)

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "ui"
CHROMIUM = os.environ.get("AMLX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(autouse=True)
def jp_asyncio_loop() -> Iterator[None]:
    """Browser tests run no in-process server: replace pytest-jupyter's loop (Playwright runs its own)."""
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> Iterator[None]:
    """Nothing to clean: the JupyterLab under test is a separate process (see ``LabServer.stop``)."""
    yield None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.ui)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            env={**os.environ, "HOME": str(profile), "XDG_CACHE_HOME": str(profile / "cache"),
                 "XDG_CONFIG_HOME": str(profile / "config")},
        )
        yield browser
        browser.close()


def _lab(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    extra_args: list[str],
    prepare: Callable[[LabServer], None] | None = None,
) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp(name)
    root = base / "notebooks"
    if (REPO / "examples").is_dir():
        shutil.copytree(
            REPO / "examples", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "outputs", "mlruns")
        )
    root.mkdir(exist_ok=True)
    server = LabServer(base=base, root_dir=root, extra_args=extra_args)
    if prepare is not None:
        prepare(server)  # e.g. seed the workspace before JupyterLab reads it
    server.start()
    try:
        yield server
    finally:
        _delete_endpoints(server)
        server.stop()


def _delete_endpoints(server: LabServer) -> None:
    """Deployments outlive JupyterLab (their supervisors are detached, as on Azure): delete every
    endpoint a test left behind, so no scoring server keeps running after the module."""
    headers = {"Authorization": f"token {server.token}"}
    try:
        request = urllib.request.Request(f"{server.url}amlx/api/endpoints", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            names = [e["name"] for e in json.load(response).get("endpoints", [])]
    except (OSError, ValueError):
        return  # no server extension or no endpoints route: nothing was deployed
    for name in names:
        request = urllib.request.Request(f"{server.url}amlx/api/endpoints/{name}", headers=headers, method="DELETE")
        try:
            urllib.request.urlopen(request, timeout=60).close()
        except OSError as error:
            print(f"could not delete endpoint {name}: {error}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab with amlx_lab enabled the way the package installs it (jupyter_server_config.d)."""
    yield from _lab(tmp_path_factory, "lab", [])


@pytest.fixture(scope="module")
def lab_without_server_extension(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """The frontend installed but the server extension switched off, as a broken install looks."""
    yield from _lab(tmp_path_factory, "lab-noext", ["--ServerApp.jpserver_extensions=amlx_lab=False"])


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    # clipboard access lets tests check what the Copy buttons copy
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    yield page
    context.close()


def open_lab(page, server: LabServer, path: str | None = None, reset: bool = False) -> None:
    """Load JupyterLab (optionally opening ``path``; ``reset`` forgets the open tabs) and wait for it."""
    route = f"lab/tree/{quote(path)}" if path else "lab"
    page.goto(f"{server.url}{route}?token={server.token}{'&reset' if reset else ''}")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=90_000)
    page.wait_for_selector(".jp-SideBar", timeout=30_000)
    if path and path.endswith(".ipynb"):
        wait_for_notebook_ready(page)


def wait_for_notebook_ready(page) -> None:
    """Wait until the notebook on screen is shown and its kernel is idle.

    JupyterLab focuses a notebook when it is revealed and again when its kernel
    connects. On a busy machine that happens seconds after the page loads, and a
    focus arriving then closes an open command palette or brings the notebook back
    in front of a panel a test has just opened ("element is not visible").
    """
    notebook = page.locator(VISIBLE_NOTEBOOK)
    expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=90_000)
    expect(notebook.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute("data-status", "idle", timeout=90_000)
