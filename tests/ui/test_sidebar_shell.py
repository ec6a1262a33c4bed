"""The sidebar as a person sees it: open it, read the workspace header, in both themes."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from .conftest import open_lab
from .lab import LabServer
from .steps import open_sidebar, run_command

SIDEBAR_TAB = '.jp-SideBar [data-id="amlx-lab-sidebar"]'
SIDEBAR = "#amlx-lab-sidebar"


def test_sidebar_shows_the_local_workspace(page, lab: LabServer, artifacts: Path) -> None:
    open_lab(page, lab)
    open_sidebar(page)
    header = page.locator(f"{SIDEBAR} .amlx-Header")
    expect(header.locator(".amlx-Badge")).to_have_text("Local")
    expect(header.locator(".amlx-Badge")).to_have_attribute("title", "Local workspace")
    expect(header.locator(".amlx-Header-health")).to_have_attribute("data-state", "ok")
    expect(header.locator(".amlx-Header-location")).to_have_text(str(lab.workspace_dir))
    expect(header).to_contain_text("amlx_lab 0.")
    page.screenshot(path=str(artifacts / "01-sidebar-light.png"))
    assert not [e for e in page.console_errors if "amlx" in e.lower()]


def test_target_switch_applies_without_reload(page, lab: LabServer, artifacts: Path) -> None:
    open_lab(page, lab)
    open_sidebar(page)
    header = page.locator(f"{SIDEBAR} .amlx-Header")
    expect(header.locator(".amlx-Badge")).to_have_text("Local")
    header.locator("select").select_option("azure")
    expect(header.locator(".amlx-Badge")).to_have_text("Azure")
    expect(header.locator(".amlx-Header-health")).to_have_attribute("data-state", "not_configured")
    expect(header.locator(".amlx-Header-health")).to_contain_text("config.json")
    page.screenshot(path=str(artifacts / "02-sidebar-azure-not-configured.png"))
    header.locator("select").select_option("server-default")
    expect(header.locator(".amlx-Badge")).to_have_text("Local")


def _luminance(css_colour: str) -> float:
    """Relative brightness 0..1 of an ``rgb(...)``/``rgba(...)`` colour."""
    red, green, blue = (float(v) for v in css_colour[css_colour.index("(") + 1:].rstrip(")").split(",")[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_sidebar_follows_the_dark_theme(page, lab: LabServer, artifacts: Path) -> None:
    open_lab(page, lab)
    open_sidebar(page)
    expect(page.locator(f"{SIDEBAR} .amlx-Header-health")).to_have_attribute("data-state", "ok")
    light = page.eval_on_selector(SIDEBAR, "e => getComputedStyle(e).backgroundColor")
    page.click("text=Settings")
    page.hover("text=Theme")
    page.click("text=JupyterLab Dark")
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    expected = page.evaluate(
        "() => { const p = document.createElement('div'); p.style.background = 'var(--jp-layout-color1)';"
        " document.body.appendChild(p); const c = getComputedStyle(p).backgroundColor; p.remove(); return c; }"
    )
    dark = page.eval_on_selector(SIDEBAR, "e => getComputedStyle(e).backgroundColor")
    assert dark == expected and dark != light
    title = page.eval_on_selector(f"{SIDEBAR} .amlx-Header-title", "e => getComputedStyle(e).color")
    assert _luminance(title) - _luminance(dark) > 0.4, f"light text on the dark panel, got {title} on {dark}"
    page.screenshot(path=str(artifacts / "03-sidebar-dark.png"))
    # back to light for the other tests sharing this server's settings
    page.click("text=Settings")
    page.hover("text=Theme")
    page.click("text=JupyterLab Light")
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "true")
    page.wait_for_selector("#jupyterlab-splash", state="detached")


def test_palette_command_opens_the_sidebar(page, lab: LabServer) -> None:
    open_lab(page, lab)
    if page.locator(SIDEBAR).is_visible():  # a restored layout may already show it: close it first
        page.click(SIDEBAR_TAB)
        expect(page.locator(SIDEBAR)).to_be_hidden()
    run_command(page, "AML: Open sidebar")
    expect(page.locator(SIDEBAR)).to_be_visible()
    expect(page.locator(f"{SIDEBAR} .amlx-Badge")).to_have_text("Local")


def test_settings_editor_changes_apply_without_reload(page, lab: LabServer, artifacts: Path) -> None:
    """Settings changed in JupyterLab's own Settings Editor reach an open page: the next submit form uses them."""
    notebook = {"cells": [{"cell_type": "code", "id": "c0", "metadata": {}, "execution_count": None, "outputs": [],
                           "source": "print(1)"}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    _api(lab, "PUT", "api/contents/settings-demo.ipynb", {"type": "notebook", "format": "json", "content": notebook})
    try:
        open_lab(page, lab, "settings-demo.ipynb", reset=True)
        sidebar = open_sidebar(page)
        run_command(page, "Settings Editor")
        editor = page.locator(".jp-SettingsPanel, .jp-SettingsEditor").first
        editor.get_by_text("Azure ML jobs (amlx-lab)", exact=True).first.click()
        # the form editor's inputs carry the property name at the end of their id
        editor.locator("input[id$='defaultExperiment']").fill("from-settings")
        compute = editor.locator("input[id$='defaultCompute']")
        compute.fill("gpu-local")
        compute.press("Tab")
        # the runs list stops following server events the moment refresh is 'manual'
        expect(sidebar.locator(".amlx-Live")).to_be_visible()
        editor.locator("select[id$='refresh']").select_option("manual")
        expect(sidebar.locator(".amlx-Live")).to_have_count(0)
        # the editor saves on its own; the sidebar's settings follow through the registry
        page.get_by_role("tab", name="settings-demo.ipynb").click()
        page.locator(".jp-Cell").first.locator(".jp-InputPrompt").click()
        sidebar.locator(".amlx-Submit-button").click()
        form = page.locator(".jp-MainAreaWidget:not(.lm-mod-hidden) .amlx-SubmitView")
        expect(form.get_by_label("Experiment")).to_have_value("from-settings")
        expect(form.get_by_label("Compute")).to_have_value("gpu-local")
        page.screenshot(path=str(artifacts / "05-settings-applied.png"))
    finally:
        _api(lab, "PUT", "lab/api/settings/amlx-lab:plugin", {"raw": "{}"})


def _api(lab: LabServer, method: str, path: str, body: dict) -> None:
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{lab.url}{path}", data=json.dumps(body).encode(), method=method,
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201, 204)


def test_missing_server_extension_is_explained(page, lab_without_server_extension: LabServer, artifacts: Path) -> None:
    open_lab(page, lab_without_server_extension)
    if page.locator(SIDEBAR_TAB).get_attribute("aria-selected") != "true":  # a click on an open tab closes it
        page.click(SIDEBAR_TAB)
    alert = page.locator(f"{SIDEBAR} .amlx-Error")
    expect(alert).to_contain_text("Server extension missing")
    expect(alert).to_contain_text("jupyter server extension list")
    page.screenshot(path=str(artifacts / "04-sidebar-extension-missing.png"))

