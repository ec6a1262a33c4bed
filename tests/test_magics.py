"""``%load_ext amlx_lab`` and ``%aml`` in a real IPython shell."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from amlx_lab.records import WorkspaceInfo


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AMLX_WORKSPACE", str(tmp_path / "ws"))
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "amlx_lab")
    yield ip
    InteractiveShell.clear_instance()


def test_aml_workspace_returns_a_rich_record(shell: InteractiveShell, tmp_path: Path) -> None:
    result = shell.run_line_magic("aml", "workspace")
    assert isinstance(result.value, WorkspaceInfo)
    assert result.value.location == str(tmp_path / "ws")
    assert "target:    local" in repr(result)
    assert "<table" in result._repr_html_() and str(tmp_path / "ws") in result._repr_html_()


def test_config_changes_apply_at_once(shell: InteractiveShell) -> None:
    shell.run_line_magic("config", 'Aml.target = "azure"')
    assert shell.run_line_magic("aml", "workspace").value.target == "azure"


@pytest.mark.parametrize(
    "line, expected",
    [("bogus", "invalid choice: 'bogus'"), ('workspace "unclosed', "check the quotes")],
)
def test_user_errors_print_one_line_without_traceback(shell: InteractiveShell, capsys, line: str, expected: str) -> None:
    assert shell.run_line_magic("aml", line) is None
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bare_aml_lists_the_subcommands(shell: InteractiveShell, capsys) -> None:
    shell.run_line_magic("aml", "")
    assert "workspace" in capsys.readouterr().out
