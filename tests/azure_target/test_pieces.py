"""The Azure target's pure pieces: status mapping, times, log offsets, message cleaning, placeholders, credentials."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from amlx_lab.backends.azure import failures
from amlx_lab.backends.azure.credentials import identity_of, tenant_of
from amlx_lab.backends.azure.job_records import asset_of, status_of
from amlx_lab.backends.azure.logs import _whole_characters, encode_offset, parse_offset, primary_log
from amlx_lab.backends.azure.run_history import epoch
from amlx_lab.backends.azure.submit import is_asset_ref
from amlx_lab.errors import ValidationError
from amlx_lab.records import JobStatus


@pytest.mark.parametrize(
    "azure, ours",
    [("Provisioning", JobStatus.PREPARING), ("Paused", JobStatus.QUEUED), ("NotResponding", JobStatus.FAILED),
     ("Finalizing", JobStatus.FINALIZING), ("CancelRequested", JobStatus.CANCEL_REQUESTED),
     ("Completed", JobStatus.COMPLETED), ("SomethingNew", JobStatus.NOT_STARTED)],
)
def test_azure_statuses_map_to_the_shared_vocabulary(azure: str, ours: JobStatus) -> None:
    assert status_of(azure) is ours


def test_run_history_times_with_seven_fraction_digits_and_offsets_are_epoch_seconds() -> None:
    assert epoch("2026-01-02T03:04:05.1234567Z") == pytest.approx(1767323045.123456)
    assert epoch("2026-01-02T03:04:05+01:00") == 1767319445.0
    assert epoch(None) is None and epoch("yesterday") is None


def test_log_offsets_are_opaque_but_checked() -> None:
    assert parse_offset(None) == (0, None) and parse_offset("120") == (120, None)
    assert parse_offset(encode_offset(7, "user_logs/std_log_process_1.txt")) == (7, "user_logs/std_log_process_1.txt")
    assert encode_offset(9, "user_logs/std_log.txt") == "9"
    for bad in ("not an offset", "-1", "5:../../etc/passwd", "5:" + "x" * 400):
        with pytest.raises(ValidationError):
            parse_offset(bad)
    assert primary_log({"user_logs/std_log_process_0.txt": "u", "system_logs/x.txt": "s"}) == "user_logs/std_log_process_0.txt"


def test_a_range_read_never_ends_inside_a_character() -> None:
    text = "line é✓".encode()
    for cut in range(1, len(text) + 1):
        kept = _whole_characters(text[:cut], more=True)
        kept.decode("utf-8")  # no partial character
        assert text.startswith(kept) and cut - len(kept) < 4
    assert _whole_characters(text[:-1], more=False) == text[:-1], "the end of a finished log is kept as it is"


def test_azure_messages_lose_secrets_colour_codes_and_local_paths() -> None:
    text = ("\x1b[31mFailed\x1b[39m reading https://acct.blob.core.windows.net/c/x?sv=2025&sig=SECRET123 with "
            "Bearer eyJ0eXAi.abc.def for /subscriptions/s/resourceGroups/r and /home/alice/project/train.py")
    cleaned = failures.clean(text)
    assert "SECRET123" not in cleaned and "eyJ0eXAi" not in cleaned and "\x1b" not in cleaned
    assert "/home/alice" not in cleaned and "<local path>" in cleaned
    assert "/subscriptions/s/resourceGroups/r" in cleaned


def test_asset_references_and_paths_are_told_apart() -> None:
    for ref in ("azureml:titanic@latest", "titanic@latest", "azureml:titanic:2", "titanic:2"):
        assert is_asset_ref(ref), ref
    for ref in ("data/titanic.csv", "azureml://datastores/x/paths/y.csv", "titanic.csv", "/tmp/a:b"):
        assert not is_asset_ref(ref), ref
    assert asset_of("azureml:titanic:2") == "titanic:2"
    assert asset_of("azureml:/subscriptions/s/resourceGroups/r/providers/P/workspaces/w/data/titanic/versions/3") == "titanic:3"
    assert asset_of("azureml://datastores/x/paths/y.csv") is None


def _token(claims: dict[str, str]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"e30.{body}.sig"


def test_the_signed_in_identity_comes_from_the_tokens_claims() -> None:
    assert identity_of(_token({"upn": "ada@contoso.com", "tid": "t-1"})) == "ada@contoso.com"
    assert identity_of(_token({"appid": "0000-app"})) == "application 0000-app"
    assert tenant_of(_token({"tid": "t-1"})) == "t-1"
    assert identity_of("not a jwt") is None and tenant_of("x.y") is None


def test_the_generated_scoring_script_answers_the_local_request_shapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """score_template.py runs where amlx is not installed: loaded from its file, with a model that echoes its input."""
    import importlib.util
    import pickle

    from amlx_lab.backends.azure import endpoints

    template = Path(endpoints.__file__).with_name("score_template.py")
    (tmp_path / "nested").mkdir()
    with open(tmp_path / "nested" / "model.pkl", "wb") as f:
        pickle.dump(_Echo(), f)
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location("generated_score", template)
    assert spec is not None and spec.loader is not None
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    score.init()

    records = score.run(json.dumps({"data": [{"Age": 22, "Sex": "male"}, {"Sex": "female", "Age": 30}]}))
    assert records == {"result": ["DataFrame Age,Sex 2"]}
    assert score.run(json.dumps({"data": {"Age": [1, 2, 3]}})) == {"result": ["DataFrame Age 3"]}
    assert score.run(json.dumps({"data": {"Age": 5}})) == {"result": ["DataFrame Age 1"]}
    assert score.run(json.dumps({"data": [[1, 2], [3, 4]]})) == {"result": ["list 2"]}
    split = {"input_data": {"columns": ["a", "b"], "index": [0], "data": [[1, 2]]}}
    assert score.run(json.dumps(split)) == ["DataFrame a,b 1"], "Azure's MLflow shape answers a plain list"
    assert score.run("not json") == {"error": "The request body is not JSON."}
    assert score.run(json.dumps({"rows": []}))["error"].startswith('Send {"data": [...]}')


class _Echo:
    """A picklable stand-in model: says what it was given."""

    def predict(self, x: object) -> list[str]:
        if hasattr(x, "columns"):
            return [f"DataFrame {','.join(map(str, x.columns))} {len(x)}"]  # type: ignore[attr-defined]
        return [f"{type(x).__name__} {len(x)}"]  # type: ignore[arg-type]
