"""Computes on every target: what a submit may name, with its state and the default one marked."""

from __future__ import annotations

from .conftest import Target


def test_computes_are_listed_with_their_state_and_one_default(target: Target) -> None:
    target.require("computes")
    computes = target.ws.computes(target.name).list_computes()
    names = [c.name for c in computes]
    assert names and len(names) == len(set(names))
    assert all(c.kind and c.state for c in computes)
    assert sum(c.default for c in computes) == 1
    default = target.ws.backend(target.name).traits().default_compute
    assert default is None or default in names
    types = target.ws.computes(target.name).list_instance_types()
    assert all(t.name for t in types)
    if target.ws.backend(target.name).traits().instance_types:
        assert types, "a target with instance types lists them"
