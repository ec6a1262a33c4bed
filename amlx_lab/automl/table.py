"""What a target checks of a CSV training file before it starts an AutoML job: the columns the spec names.

Read with the standard library only (the header row), so the server checks a
file without importing pandas, and every target refuses the same mistakes
with the same sentence.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..errors import ValidationError
from ..i18n import _
from ..specs import AutoMLJobSpec


def csv_columns(path: Path) -> list[str] | None:
    """The header of a CSV file (``None`` for another format or a folder)."""
    if not path.is_file() or path.suffix.lower() != ".csv":
        return None
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def check_columns(spec: AutoMLJobSpec, path: Path) -> None:
    """Refuse a target (or time) column the file does not have, naming the field and the columns it has."""
    columns = csv_columns(path)
    if columns is None:
        return
    wanted = [("target_column_name", spec.target_column_name)]
    if spec.forecasting is not None:
        wanted.append(("forecasting.time_column_name", spec.forecasting.time_column_name))
    for field, name in wanted:
        if name not in columns:
            raise ValidationError(
                _("The training data has no column {name!r}; its columns are: {columns}.").format(
                    name=name, columns=", ".join(columns)), field=field
            )
