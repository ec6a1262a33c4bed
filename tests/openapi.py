"""Validate API responses against ``schema/openapi.yaml`` so the contract and the code cannot drift."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPEC_PATH = Path(__file__).resolve().parents[1] / "schema" / "openapi.yaml"


@functools.lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def _resolve(node: Any) -> Any:
    """Inline local ``$ref``s (the spec has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec()
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolve(target)
        return {k: _resolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v) for v in node]
    return node


def operation(path: str, method: str) -> dict[str, Any]:
    return _resolve(spec()["paths"][path][method.lower()])


def assert_matches(path: str, method: str, status: int, body: bytes | str) -> Any:
    """The JSON body is what the spec promises for ``method path`` answering ``status``."""
    responses = operation(path, method)["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, which the spec does not document"
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    data = json.loads(body)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    return data


def documented_paths() -> set[str]:
    return set(spec()["paths"])


def route_as_spec_path(pattern: str) -> str:
    """``/jobs/(?P<name>[...])/logs`` -> ``/jobs/{name}/logs`` (named groups may nest brackets)."""
    out, i = [], 0
    while i < len(pattern):
        match = re.match(r"\(\?P<(\w+)>", pattern[i:])
        if not match:
            out.append(pattern[i])
            i += 1
            continue
        depth, j = 0, i
        while True:  # our patterns have no escaped parentheses
            depth += {"(": 1, ")": -1}.get(pattern[j], 0)
            j += 1
            if depth == 0:
                break
        out.append("{" + match.group(1) + "}")
        i = j
    return "".join(out)
