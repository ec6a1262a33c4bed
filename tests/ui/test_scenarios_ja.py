"""The Titanic story again, in a JupyterLab switched to Japanese, read through Japanese labels.

JupyterLab gets its own Japanese from the language pack the test extras install
(``jupyterlab-language-pack-ja-JP``); the sidebar, its panels and the server's
sentences come from the catalog amlx_lab ships. The JupyterLab server runs with
no Japanese locale: what the server says in Japanese it says because the
sidebar's requests ask for it (``Accept-Language``). The walk follows
``test_scenarios.py``'s Titanic steps; the English run stays there, unchanged.
Screenshots go to test-artifacts/ui/ (the README's come from here).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import _lab, open_lab
from .lab import LabServer
from .steps import (
    JOB_TIMEOUT_MS,
    SIDEBAR,
    dismiss_toasts,
    main_panel,
    open_sidebar,
    run_row,
    select_cell,
    shot,
    widen_sidebar,
)

SEED_BODY = {"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]}


def _japanese(server: LabServer) -> None:
    """JupyterLab's Settings > Language set to Japanese, as a person would choose it."""
    folder = server.base / "lab-settings" / "@jupyterlab" / "translation-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plugin.jupyterlab-settings").write_text(json.dumps({"locale": "ja_JP"}))


@pytest.fixture(scope="module")
def lab_ja(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    yield from _lab(tmp_path_factory, "lab-ja", [], prepare=_japanese)


def expand(page: Page, title: str):
    """The sidebar section titled ``title`` (Japanese), expanded."""
    section = page.locator(f"{SIDEBAR} .amlx-Section", has=page.locator(".amlx-Section-title", has_text=title))
    toggle = section.locator(".amlx-Section-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    return section


def test_titanic_in_japanese(page: Page, lab_ja: LabServer, artifacts: Path) -> None:
    # 1. JupyterLab itself is Japanese (the language pack), and so is the sidebar (our catalog)
    open_lab(page, lab_ja, "titanic.ipynb", reset=True)
    expect(page.locator("#jp-MainMenu").get_by_text("ファイル", exact=True)).to_be_visible()
    sidebar = open_sidebar(page)
    widen_sidebar(page)
    header = sidebar.locator(".amlx-Header")
    expect(header.locator(".amlx-Header-facts dt").first).to_have_text("場所")
    expect(header.locator(".amlx-Header-target span").first).to_have_text("ターゲット")
    # the health sentence is the server's, in the language the request asked for
    expect(header.locator(".amlx-Header-healthText")).to_contain_text("ローカル ワークスペースの準備ができました")
    expect(sidebar.locator(".amlx-Section-title")).to_contain_text(["送信", "実行", "モデル", "エンドポイント", "データ"])
    select_cell(page, 'joblib.dump(model, "outputs/model.pkl")')
    submit = sidebar.locator(".amlx-Submit")
    expect(submit.locator(".amlx-Submit-notebook")).to_have_text("titanic.ipynb")
    expect(submit.locator(".amlx-Submit-cell")).to_have_text("セル 16")
    shot(page, artifacts, "ja-10-titanic-cell-selected")

    # 2. the toolbar's 送信 button opens the form, prefilled by the slicer
    toolbar_button = page.locator(
        ".jp-NotebookPanel-toolbar [data-jp-item-name='amlx-submit-cell'] jp-button, "
        ".jp-NotebookPanel-toolbar [data-jp-item-name='amlx-submit-cell'] button"
    ).first
    expect(toolbar_button).to_contain_text("送信")
    toolbar_button.click()
    form = main_panel(page, ".amlx-SubmitView")
    expect(form.locator("h2")).to_have_text("titanic.ipynb のセル 16 を送信")
    expect(form.locator(".amlx-Param[data-param='TEST_SIZE'] input")).to_have_value("0.2")
    expect(form.get_by_label("実験", exact=True)).to_have_value("titanic")
    expect(form.get_by_role("heading", name="検出された入力")).to_be_visible()
    shot(page, artifacts, "ja-11-titanic-submit-form")

    # 3. the プレビュー tab
    form.get_by_role("tab", name="プレビュー").click()
    target = form.locator(".amlx-PreviewCell[data-target='true']")
    expect(target.locator(".amlx-PreviewCell-head")).to_contain_text("セル 16")
    expect(target.locator(".amlx-PreviewCell-source")).to_contain_text('joblib.dump(model, "outputs/model.pkl")')
    expect(form.get_by_role("heading", name="要件")).to_be_visible()
    expect(form.locator(".amlx-Preview-inputs")).to_contain_text("data/titanic.csv")
    shot(page, artifacts, "ja-12-titanic-preview")

    # 4. submit; the notification says so in Japanese and links to the run
    form.locator(".amlx-SubmitView-submit").click()
    toast = page.locator(".Toastify__toast", has_text="titanic cell 16 を titanic に送信しました。")
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="実行を開く").click()

    # 5. run details: the ログ tab streams, then the run is 完了
    details = main_panel(page, ".amlx-RunDetails")
    expect(details.locator("h2")).to_have_text("titanic cell 16")
    details.get_by_role("tab", name="ログ").click()
    log = details.locator(".amlx-Logs-text")
    expect(log).not_to_be_empty(timeout=JOB_TIMEOUT_MS)
    shot(page, artifacts, "ja-14-titanic-log-streaming")
    expect(details).to_have_attribute("data-status", "Completed", timeout=JOB_TIMEOUT_MS)
    expect(details.locator(".amlx-Status-text")).to_have_text("完了")
    expect(details.locator(".amlx-Logs-status")).to_have_text("ログは完了しています。")
    expect(run_row(page, "titanic cell 16")).to_have_attribute("data-status", "Completed")
    expect(details.locator(".amlx-RunDetails-meta")).to_contain_text("実験 titanic")
    details.get_by_role("tab", name="概要").click()
    expect(details.get_by_role("heading", name="メトリック")).to_be_visible()
    dismiss_toasts(page)
    shot(page, artifacts, "ja-15-titanic-completed")

    details.get_by_role("tab", name="メトリック").click()
    expect(details.locator(".amlx-MetricCard[data-metric='accuracy_score_X_test']")).to_be_visible()
    details.get_by_role("tab", name="出力").click()
    expect(details.locator(".amlx-FileTree [data-path='model.pkl']")).to_be_visible()
    expect(details.locator(".amlx-FileTree thead")).to_contain_text("名前")

    # 6. register titanic-model: the card and its result in Japanese
    details.locator(".amlx-RunActions-register").click()
    card = details.locator(".amlx-RegisterModel")
    expect(card.locator("h3")).to_have_text("titanic cell 16 からモデルを登録")
    card.locator(".amlx-Candidate[data-source='outputs/model.pkl'] input").check()
    expect(card.get_by_label("モデル名")).to_have_value("titanic-model")
    card.locator(".amlx-RegisterModel-submit").click()
    expect(card.locator(".amlx-Success")).to_contain_text("titanic-model のバージョン 1 を登録しました", timeout=60_000)
    models = expand(page, "モデル")
    expect(models.locator(".amlx-ListItem[data-model='titanic-model']")).to_contain_text("v1")

    # 7. deploy to titanic-endpoint, then the endpoint panel reads 成功
    card.locator(".amlx-RegisterModel-deploy").click()
    deploy = main_panel(page, ".amlx-Deploy")
    expect(deploy.locator("h3")).to_have_text("オンライン エンドポイントへのデプロイ")
    expect(deploy.get_by_label("エンドポイント名")).to_have_value("titanic-endpoint")
    deploy.locator(".amlx-Deploy-submit").click()
    endpoint = main_panel(page, ".amlx-EndpointView[data-endpoint='titanic-endpoint']")
    expect(endpoint).to_have_attribute("data-status", "Succeeded", timeout=120_000)
    expect(endpoint.locator("h2")).to_have_text("エンドポイント titanic-endpoint")
    expect(endpoint.locator(".amlx-Deployments thead")).to_contain_text("トラフィック")
    endpoints = expand(page, "エンドポイント")
    expect(endpoints.locator(".amlx-ListItem[data-endpoint='titanic-endpoint']")).to_contain_text("成功")
    dismiss_toasts(page)
    shot(page, artifacts, "ja-18-titanic-endpoint")

    # 8. the テスト panel: a prediction, and a broken payload explained in Japanese
    payload = endpoint.locator(".amlx-TestPanel-payload")
    expect(payload).to_have_value(re.compile(r'"Age"'))
    payload.fill(json.dumps(SEED_BODY, indent=2))
    endpoint.locator(".amlx-TestPanel-send").click()
    expect(endpoint.locator(".amlx-Response")).to_have_attribute("data-status-code", "200", timeout=60_000)
    expect(endpoint.locator(".amlx-Prediction")).to_have_text("予測: 0")
    dismiss_toasts(page)
    shot(page, artifacts, "ja-19-titanic-prediction")
    payload.fill('{"data": [{"Age": 22,}]}')
    expect(endpoint.locator(".amlx-TestPanel .amlx-FieldError")).to_contain_text("無効な JSON です (1 行目")

    # 9. the curl command's copy button, by its Japanese name
    endpoint.get_by_role("button", name="curl コマンドをコピー (キー付き)").click()
    assert "Bearer " in page.evaluate("() => navigator.clipboard.readText()")

    # 10. delete the endpoint through the Japanese dialog; the model stays
    endpoint.get_by_role("button", name="エンドポイントの削除").click()
    page.locator(".jp-Dialog").get_by_role("button", name="削除").click()
    expect(endpoints.locator(".amlx-ListItem[data-endpoint='titanic-endpoint']")).to_have_count(0, timeout=60_000)
    expect(models.locator(".amlx-ListItem[data-model='titanic-model']")).to_be_visible()
    shot(page, artifacts, "ja-22-sidebar")
    page.locator(SIDEBAR).screenshot(path=str(artifacts / "ja-23-sidebar-only.png"))

    # the settings schema's titles come from the same catalog (the plugin's fetch transform)
    page.keyboard.press("Control+Comma")
    expect(page.get_by_text("Azure ML ジョブ (amlx-lab)").first).to_be_visible(timeout=30_000)
    assert not [e for e in page.console_errors if "amlx" in e.lower()]


def test_a_sweep_in_japanese(page: Page, lab_ja: LabServer, artifacts: Path) -> None:
    """The Sweep tab, a server refusal, the trials and their summary read in Japanese (studio's スイープ, 試行)."""
    open_lab(page, lab_ja, "diabetes_ridge.ipynb", reset=True)
    open_sidebar(page)
    widen_sidebar(page, 470)
    select_cell(page, "model = Ridge(alpha=alpha)")
    page.keyboard.press("Control+Shift+Enter")
    form = main_panel(page, ".amlx-SubmitView")
    expect(form.locator(".amlx-Param[data-param='alpha'] input")).to_have_value("0.5")
    form.get_by_role("tab", name="スイープ").click()
    alpha = form.locator(".amlx-SweepDimensions tr[data-param='alpha']")
    expect(alpha.get_by_label("alpha を検索", exact=True)).to_be_checked()
    expression = alpha.get_by_label("alpha の検索式")
    form.get_by_label("目的メトリック").fill("rmse")
    form.get_by_label("サンプリング", exact=True).select_option("sobol")
    form.get_by_label("シード").fill("3")
    form.locator("input[id$='-sweep-total']").fill("2")
    form.get_by_label("同時試行数").fill("2")

    # the server's refusal of a search expression, in the language the sidebar asked for
    expression.fill("uniform(1.0, 0.1)")
    expect(form.locator(".amlx-ErrorNote")).to_contain_text("min_value (1) は max_value (0.1) より小さくする必要があります")
    expression.fill("uniform(0.1, 1.0)")
    expect(form.locator(".amlx-SweepPoints-table tbody tr")).to_have_count(2)

    start = form.locator(".amlx-SubmitView-submit")
    expect(start).to_have_text("スイープを開始")
    start.click()
    submitted = form.locator(".amlx-Submitted button")
    expect(submitted).to_have_count(1)
    dismiss_toasts(page)
    submitted.click()
    view = main_panel(page, ".amlx-RunDetails .amlx-Sweep")
    details = main_panel(page, ".amlx-RunDetails")
    expect(details).to_have_attribute("data-status", "Completed", timeout=4 * JOB_TIMEOUT_MS)
    expect(view.locator(".amlx-SweepTrials tbody tr[data-status='Completed']")).to_have_count(2)
    expect(view.locator(".amlx-Sweep-counts")).to_have_text("試行 2/2: 完了 2")
    expect(view.locator(".amlx-Sweep-settings")).to_contain_text("rmse を最小化、sobol サンプリング")
    expect(view.locator(".amlx-SweepTrials tr.amlx-mod-best td").last).to_have_text("最良")
    dismiss_toasts(page)
    shot(page, artifacts, "ja-30-sweep-view")
