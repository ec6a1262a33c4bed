"""amlx_lab in Japanese: the CLI and the magics under a Japanese locale, REST by Accept-Language.

The CLI and the magics run in their own processes here, as a user runs them,
so that the locale of the environment is what picks the language (help texts
are written when their parsers are built). English stays the default: the
other suites run in English and are unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from amlx_lab import i18n
from tests.conftest import error_of

AMLX = Path(sys.executable).with_name("amlx")


def _env(workspace: Path, lang: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return {**env, "LANG": lang, "AMLX_WORKSPACE": str(workspace)}


def amlx(*args: str, workspace: Path, lang: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(AMLX), *args], capture_output=True, text=True, env=_env(workspace, lang), timeout=120)


# -- the catalog and the choice of language --------------------------------------------


def test_the_japanese_catalog_is_in_the_package() -> None:
    assert "ja_JP" in i18n.available_languages()
    for suffix in (".mo", ".json"):  # the server and CLI read the .mo, JupyterLab's frontend the .json
        assert (i18n.LOCALE_DIR / "ja_JP" / "LC_MESSAGES" / f"amlx_lab{suffix}").is_file()


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("ja-JP", "ja_JP"),
        ("ja", "ja_JP"),
        ("JA-jp", "ja_JP"),
        ("fr-FR, ja;q=0.8, en;q=0.5", "ja_JP"),
        ("en;q=0.9, ja;q=0.8", "en"),
        ("ja;q=0", "en"),
        ("de-DE", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("ja;q=oops", "en"),
    ],
)
def test_accept_language_picks_a_shipped_catalog(header: str | None, language: str) -> None:
    assert i18n.negotiate(header) == language


def test_a_request_language_outranks_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "ja_JP")
    assert i18n._("Refresh") == "最新の情報に更新"
    with i18n.use_language("en"):
        assert i18n._("Refresh") == "Refresh"
        assert i18n.current_language() == "en"
    monkeypatch.setenv("LANGUAGE", "C")
    with i18n.use_language("ja_JP"):
        assert i18n._n("Wrote {count} file, {size} bytes, to {folder}:", "Wrote {count} files, {size} bytes, to {folder}:", 3) == (
            "{count} 個のファイル ({size} バイト) を {folder} に書き出しました:"
        )
    assert i18n._("Refresh") == "Refresh"


# -- the CLI -------------------------------------------------------------------------


def test_cli_help_and_an_error_in_japanese(tmp_path: Path) -> None:
    help_text = amlx("--help", workspace=tmp_path / "ws", lang="ja_JP.UTF-8")
    assert help_text.returncode == 0, help_text.stderr
    assert help_text.stdout.startswith("使い方: amlx")
    assert "ジョブを一覧表示する" in help_text.stdout  # jobs
    assert "オンライン エンドポイント" in help_text.stdout  # endpoint

    missing = amlx("show", "no_such_job", workspace=tmp_path / "ws", lang="ja_JP.UTF-8")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "amlx: エラー: このワークスペースに 'no_such_job' という名前のジョブはありません。"

    usage = amlx("submit", "x.ipynb", workspace=tmp_path / "ws", lang="ja_JP.UTF-8")
    assert usage.returncode == 2
    assert "エラー: 次の引数が必要です: --cell" in usage.stderr  # argparse's own sentence

    info = amlx("workspace", workspace=tmp_path / "ws", lang="ja_JP.UTF-8")
    assert info.returncode == 0, info.stderr
    assert "正常性:         正常 - ローカル ワークスペースの準備ができました" in info.stdout  # aligned by display width


def test_cli_stays_english_without_a_japanese_locale(tmp_path: Path) -> None:
    missing = amlx("show", "no_such_job", workspace=tmp_path / "ws", lang="C.UTF-8")
    assert missing.stderr.strip() == "amlx: error: There is no job named 'no_such_job' in this workspace."
    assert amlx("--help", workspace=tmp_path / "ws", lang="C.UTF-8").stdout.startswith("usage: amlx")


# -- the magics ----------------------------------------------------------------------

MAGIC_SCRIPT = """
import sys
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
ip.run_line_magic("load_ext", "amlx_lab")
from amlx_lab.magics import Aml
print(Aml.aml.__doc__)
print("=====")
ip.run_line_magic("aml", "show --help")
print("=====")
ip.run_line_magic("aml", "show no_such_job")
sys.stderr.flush()
"""


def run_magics(workspace: Path, lang: str) -> subprocess.CompletedProcess[str]:
    env = {**_env(workspace, lang), "IPYTHONDIR": str(workspace.parent / "ipython")}
    return subprocess.run([sys.executable, "-c", MAGIC_SCRIPT], capture_output=True, text=True, env=env, timeout=120)


def test_magic_help_and_an_error_in_japanese(tmp_path: Path) -> None:
    result = run_magics(tmp_path / "ws", "ja_JP.UTF-8")
    assert result.returncode == 0, result.stderr
    overview, show_help, _rest = result.stdout.split("=====\n")
    assert overview.startswith("%aml サブコマンド [オプション]")
    assert "サブコマンド:" in overview
    assert "ジョブを 1 つ表示します: 状態、日時、パラメーター、メトリック、出力。" in overview
    assert show_help.startswith("使い方: %aml show")
    assert "ジョブの名前" in show_help  # the NAME argument's help
    assert "%aml show: このワークスペースに 'no_such_job' という名前のジョブはありません。" in result.stderr


def test_magics_stay_english_without_a_japanese_locale(tmp_path: Path) -> None:
    result = run_magics(tmp_path / "ws", "C.UTF-8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("%aml SUBCOMMAND [options]")
    assert "%aml show: There is no job named 'no_such_job' in this workspace." in result.stderr


SWEEP_EXPORT_SCRIPT = """
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
ip.run_line_magic("load_ext", "amlx_lab")
ip.run_line_magic("aml", "export")
ip.run_line_magic("aml", "sweep --objective rmse:min")
ip.run_line_magic("aml", "automl --task classification --target y")
"""


def test_sweep_automl_and_export_magics_say_their_errors_in_japanese(tmp_path: Path) -> None:
    env = {**_env(tmp_path / "ws", "ja_JP.UTF-8"), "IPYTHONDIR": str(tmp_path / "ipython")}
    result = subprocess.run([sys.executable, "-c", SWEEP_EXPORT_SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "%aml export: ジョブ (%aml export JOB) またはエンドポイント (%aml export --endpoint NAME) を指定してください。" in result.stderr
    assert "%aml sweep: sweep は先頭に置かれたセルを実行します" in result.stderr
    assert "%aml automl: トレーニング データを --data REF" in result.stderr


def test_sweep_options_and_an_export_rendered_in_japanese() -> None:
    from amlx_lab import render
    from amlx_lab.errors import ValidationError
    from amlx_lab.records import ExportResult
    from amlx_lab.sweep import cell

    result = ExportResult(kind="job", name="titanic_1", target="local", folder="amlx-export/titanic_1",
                          files=("job.yml", "src/main.py", "src/conda.yml", "workflow.yml"))
    with i18n.use_language("ja_JP"):
        with pytest.raises(ValidationError) as refused:
            cell.parse_policy("slow(delay=3)")
        with pytest.raises(ValidationError) as bad_expression:
            cell.split_params({"k": "uniform(1, 2, 3)"})
        text = render.export_text(result)
    assert bad_expression.value.message == "'uniform(1, 2, 3)': uniform の引数は 2 個です: uniform(min_value, max_value)。"
    assert refused.value.message.startswith("--policy 'slow' はポリシーではありません。bandit(slack_factor=0.1)、")
    assert text.splitlines()[0] == "ジョブ titanic_1 (local ターゲット) を amlx-export/titanic_1/ にエクスポートしました"
    assert "  src/ (2 個のファイル)" in text
    english = render.export_text(result)
    assert english.splitlines()[0] == "exported job titanic_1 (local target) to amlx-export/titanic_1/"
    assert "  src/ (2 files)" in english


# -- REST: the sidebar sends JupyterLab's language -----------------------------------


async def test_rest_errors_follow_accept_language(jp_fetch) -> None:
    with pytest.raises(HTTPClientError) as japanese:
        await jp_fetch("amlx", "api", "jobs", "no_such_job", headers={"Accept-Language": "ja-JP"})
    assert japanese.value.code == 404
    assert error_of(japanese.value)["message"] == "このワークスペースに 'no_such_job' という名前のジョブはありません。"

    with pytest.raises(HTTPClientError) as english:
        await jp_fetch("amlx", "api", "jobs", "no_such_job")
    assert error_of(english.value)["message"] == "There is no job named 'no_such_job' in this workspace."


async def test_rest_sentences_made_in_a_worker_thread_are_translated_too(jp_fetch) -> None:
    info = json.loads((await jp_fetch("amlx", "api", "workspace", headers={"Accept-Language": "ja"})).body)
    assert info["label"] == "ローカル ワークスペース"
    assert info["health"]["message"].startswith("ローカル ワークスペースの準備ができました")
    with pytest.raises(HTTPClientError) as bad_body:
        await jp_fetch("amlx", "api", "data", method="POST", body="[1", headers={"Accept-Language": "ja-JP"})
    assert error_of(bad_body.value)["message"].startswith("要求本文が有効な JSON ではありません")


async def test_a_bad_runs_filter_says_where_in_japanese(jp_fetch) -> None:
    """The Runs box's filter errors reach a Japanese sidebar in Japanese, the column still in the details."""
    with pytest.raises(HTTPClientError) as japanese:
        await jp_fetch("amlx", "api", "jobs", params={"q": "metrics.rmse < 58 or status = Completed"},
                       headers={"Accept-Language": "ja-JP"})
    assert japanese.value.code == 400
    error = error_of(japanese.value)
    assert error["message"] == ("MLflow の検索と同じく、条件をつなげられるのは 'and' だけです。1 つのキーに複数の値を指定するには "
                                "'in (...)' を使ってください (19 文字目)。")
    assert error["details"]["column"] == 19


def test_the_azure_targets_own_refusals_speak_japanese() -> None:
    """Sentences the Azure target makes itself (not the service's text) follow the language too."""
    from amlx_lab.backends.azure.clouds import cloud_of
    from amlx_lab.backends.azure.config import AzureSettings
    from amlx_lab.errors import ValidationError

    settings = AzureSettings(subscription_id="s", resource_group="r", workspace_name="w", cloud="AzureMoon")
    with i18n.use_language("ja_JP"), pytest.raises(ValidationError) as japanese:
        cloud_of(settings)
    assert japanese.value.message.startswith("不明な Azure クラウド 'AzureMoon' です: ")
    with pytest.raises(ValidationError) as english:
        cloud_of(settings)
    assert english.value.message.startswith("Unknown Azure cloud 'AzureMoon': use one of ")
