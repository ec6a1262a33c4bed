"""User paths the file system refuses are the user's mistake: a 400 sentence, never an OSError (a 500)."""

from __future__ import annotations

from pathlib import Path

import pytest

from amlx_lab.errors import NotFoundError, ValidationError
from amlx_lab.paths import resolve_user_path


@pytest.mark.parametrize("confine", [True, False])
def test_a_name_too_long_for_the_file_system_is_a_validation_error(tmp_path: Path, confine: bool) -> None:
    with pytest.raises(ValidationError) as refused:
        resolve_user_path("0" * 4000, base=tmp_path, field="training_data", confine=confine)
    assert refused.value.field == "training_data" and "not a usable path" in refused.value.message
    assert str(tmp_path) not in refused.value.message and len(refused.value.message) < 200


def test_a_missing_file_is_still_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        resolve_user_path("absent.csv", base=tmp_path, field="training_data", confine=True)
