"""The emulator's own small sampler: the points a sweep's trials get, from the search space as the SDK sends it.

The wire form is ``{"alpha": ["uniform", [0.1, 1.0]], "k": ["choice", [[1, 2, 4]]]}``. Grid sampling walks
the product of the ``choice`` values in order; random, sobol and bayesian sampling all draw independently
here (seeded when the request has a seed), which is enough for a loopback workspace: the sampling semantics
themselves are tested against the product's sampler (``tests/sweep``), not against this one.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from typing import Any


class SamplingError(ValueError):
    pass


def points(search_space: dict[str, Any], algorithm: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The trials' parameter values, one dict per trial, as many as the algorithm yields."""
    kind = str(algorithm.get("samplingAlgorithmType", "Random")).lower()
    names = list(search_space)
    if kind == "grid":
        axes = []
        for name in names:
            expression, args = _parts(name, search_space[name])
            if expression != "choice":
                raise SamplingError(f"Grid sampling takes choice only; '{name}' is {expression}.")
            axes.append(args[0])
        for combination in itertools.product(*axes):
            yield dict(zip(names, combination, strict=True))
        return
    rng = random.Random(algorithm.get("seed"))
    while True:
        yield {name: draw(rng, *_parts(name, search_space[name])) for name in names}


def draw(rng: random.Random, expression: str, args: list[Any]) -> Any:
    """One value of ``expression(*args)`` with Azure's meaning (log bounds, exclusive randint, q-rounding)."""
    if expression == "choice":
        return rng.choice(args[0])
    if expression == "randint":
        return rng.randrange(int(args[0]))
    low_high = {"uniform": lambda a, b: rng.uniform(a, b), "loguniform": lambda a, b: math.exp(rng.uniform(a, b)),
                "normal": lambda a, b: rng.gauss(a, b), "lognormal": lambda a, b: math.exp(rng.gauss(a, b))}
    base = expression.removeprefix("q")
    if base not in low_high:
        raise SamplingError(f"Unknown search expression '{expression}'.")
    value = low_high[base](float(args[0]), float(args[1]))
    if expression.startswith("q"):
        q = float(args[2])
        value = round(value / q) * q
    return value


def _parts(name: str, wire: Any) -> tuple[str, list[Any]]:
    if not isinstance(wire, list) or len(wire) != 2 or not isinstance(wire[1], list):
        raise SamplingError(f"The search space entry '{name}' is not [expression, [arguments]].")
    return str(wire[0]).lower(), wire[1]
