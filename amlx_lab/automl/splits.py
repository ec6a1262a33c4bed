"""How an AutoML job validates: the folds Azure would choose, fixed once so every candidate sees the same rows.

Azure's defaults (how-to-configure-cross-validation-data-splits): fewer than
1,000 rows, 10-fold cross-validation; up to 20,000 rows, 3 folds; more, a 10%
holdout. Forecasting validates on the latest rows (rolling origin: each fold
is the ``forecast_horizon`` rows after the ones it trains on), never on the past.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SEED = 1
FORECAST_FOLDS = 5


def azure_default_folds(n_rows: int) -> int | None:
    """The number of folds Azure picks for ``n_rows`` rows, or ``None`` for a 10% holdout."""
    if n_rows < 1000:
        return 10
    if n_rows <= 20000:
        return 3
    return None


@dataclass
class Splits:
    """Explicit (train rows, validation rows) pairs, usable as FLAML's ``split_type`` and by scikit-learn."""

    pairs: list[tuple[np.ndarray, np.ndarray]]
    description: str
    shuffle = False  # FLAML reads this: the rows are already where they belong

    def split(self, X: Any = None, y: Any = None, groups: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
        return self.pairs

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return len(self.pairs)


def make_splits(
    y: np.ndarray,
    *,
    task: str,
    n_cross_validations: int | str | None,
    validation_data_size: float | None,
    horizon: int = 1,
) -> tuple[Splits, list[str]]:
    """The job's validation splits, and notes where the data forced a change from what was asked."""
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    n = len(y)
    notes: list[str] = []
    if task == "forecasting":
        folds: int = n_cross_validations if isinstance(n_cross_validations, int) else FORECAST_FOLDS
        size = horizon
        if validation_data_size is not None:
            folds, size = 1, max(horizon, int(round(n * validation_data_size)))
        while folds > 1 and n - folds * size < max(10, size):
            folds -= 1
        if n - folds * size < 2:
            raise ValueError(f"{n} rows are too few to validate a forecast {horizon} step(s) ahead.")
        pairs = []
        for i in range(folds, 0, -1):
            start = n - i * size
            pairs.append((np.arange(0, start), np.arange(start, start + size)))
        what = f"rolling origin over the latest {folds * size} rows ({folds} fold(s) of {size})"
        return Splits(pairs, what), notes
    classification = task == "classification"
    if validation_data_size is not None or (n_cross_validations in (None, "auto") and azure_default_folds(n) is None):
        fraction = validation_data_size if validation_data_size is not None else 0.1
        stratify = y if classification and np.min(np.unique(y, return_counts=True)[1]) >= 2 else None
        train, test = train_test_split(np.arange(n), test_size=fraction, random_state=SEED, stratify=stratify)
        return Splits([(np.sort(train), np.sort(test))], f"{fraction:.0%} holdout ({len(test)} rows)"), notes
    asked = n_cross_validations if isinstance(n_cross_validations, int) else azure_default_folds(n)
    assert asked is not None
    folds = asked
    if classification:
        smallest = int(np.min(np.unique(y, return_counts=True)[1]))
        if smallest < 2:
            raise ValueError("Every class needs at least two rows to validate; one class has a single row.")
        if smallest < folds:
            folds = smallest
            notes.append(f"{asked} folds asked, {folds} used: the rarest class has {smallest} rows")
        splitter: Any = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    else:
        folds = min(folds, n)
        splitter = KFold(folds, shuffle=True, random_state=SEED)
    pairs = [(train, test) for train, test in splitter.split(np.zeros(n), y)]
    chosen = "" if isinstance(n_cross_validations, int) else f", Azure's choice for {n} rows"
    return Splits(pairs, f"{folds}-fold cross-validation{chosen}"), notes
