"""requirements.txt pinned from the notebook's *kernel* environment.

The kernel may run in another environment than the Jupyter server (a conda
env, another venv), so versions come from the kernel's interpreter: found
through the notebook's kernelspec, then asked in a subprocess for its
installed distributions and ``importlib.metadata.packages_distributions()``
(which maps ``sklearn`` to ``scikit-learn``). The answer is cached per
interpreter and re-used while its site folders are unchanged, so repeated
packaging does not pay for the subprocess; a ``pip install`` into the kernel
changes a folder's mtime and refreshes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..i18n import _
from ..records import Record
from .errors import ValidationError

__all__ = [
    "EnvironmentProbe",
    "KernelInfo",
    "Requirement",
    "canonical_name",
    "clear_probe_cache",
    "find_kernel_python",
    "pin_requirements",
    "probe_environment",
]

PROBE_TIMEOUT_S = 60.0

_PROBE = r"""
import importlib.metadata as md, json, os, sys
versions, requires = {}, {}
for dist in md.distributions():
    name = dist.metadata["Name"]
    if name and name not in versions:
        versions[name] = dist.version
        requires[name] = [r.split(";")[0] for r in (dist.requires or []) if "extra ==" not in r]
try:
    packages = md.packages_distributions()
except Exception:
    packages = {}
stdlib = sorted(getattr(sys, "stdlib_module_names", ())) + sorted(sys.builtin_module_names)
paths = [p for p in sys.path if p and os.path.isdir(p)]
print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3],
                  "stdlib": stdlib, "packages": packages, "versions": versions, "requires": requires,
                  "paths": paths}))
"""


@dataclass(frozen=True)
class KernelInfo(Record):
    """Which interpreter the requirements were pinned from, and how it was found."""

    name: str | None  # kernelspec name
    python: str
    python_version: str | None
    source: str  # "kernel_python option" | "kernelspec" | "current interpreter"
    launcher: tuple[str, ...] = ()  # words the kernelspec puts before the interpreter (``conda run -n env``)


@dataclass(frozen=True)
class EnvironmentProbe:
    executable: str
    version: str
    stdlib: frozenset[str]
    packages: dict[str, list[str]]  # top-level module -> distributions providing it
    versions: dict[str, tuple[str, str]]  # canonical name -> (name as published, version)
    paths: tuple[str, ...]
    requires: dict[str, frozenset[str]] = field(default_factory=dict)  # canonical name -> canonical dependencies


@dataclass(frozen=True)
class Requirement:
    """One line of requirements.txt and why it is there."""

    line: str
    reason: str


def canonical_name(name: str) -> str:
    """PEP 503 normalisation (``Scikit_Learn`` -> ``scikit-learn``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# -- finding the kernel's interpreter ---------------------------------------------------

_BARE_PYTHONS = {"python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"}


def _python_from_argv(argv: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
    """(launcher words, interpreter) of a kernelspec's argv.

    The interpreter is the word before ``-m ipykernel_launcher``; words before
    it are a launcher such as ``conda run -n env``. Without that marker: argv[0].
    """
    for i, word in enumerate(argv[:-1]):
        if word == "-m" and argv[i + 1] in ("ipykernel_launcher", "ipykernel") and i > 0:
            return tuple(argv[: i - 1]), argv[i - 1]
    return (), (argv[0] if argv else None)


def find_kernel_python(
    kernel_name: str | None, *, override: str | None = None, history: bool = False
) -> tuple[KernelInfo, list[str]]:
    """The kernel's interpreter, with warnings when it had to fall back to the current one."""
    if override:
        found = shutil.which(override) or override
        if not os.path.isfile(found):
            raise ValidationError(_("kernel_python {override!r} is not an interpreter on this machine.").format(
                override=override), field="kernel_python")
        return KernelInfo(kernel_name, os.path.abspath(found), None, "kernel_python option"), []
    if history:
        # an execution history comes from the kernel this code runs in (the %aml magic)
        return KernelInfo(kernel_name, sys.executable, None, "current interpreter"), []
    fallback = f"requirements are pinned from the current interpreter ({sys.executable}) instead"
    if not kernel_name:
        return KernelInfo(None, sys.executable, None, "current interpreter"), [
            f"the notebook names no kernelspec; {fallback}"
        ]
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:
        return KernelInfo(kernel_name, sys.executable, None, "current interpreter"), [
            f"jupyter_client is not installed, so kernelspec {kernel_name!r} cannot be read; {fallback}"
        ]
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        return KernelInfo(kernel_name, sys.executable, None, "current interpreter"), [
            f"kernelspec {kernel_name!r} is not installed; {fallback}"
        ]
    launcher, python = _python_from_argv(list(spec.argv))
    if launcher and python:
        # e.g. ``conda run -n env python``: ask through the same launcher (the probe reports the real path)
        if shutil.which(launcher[0]) is None:
            return KernelInfo(kernel_name, sys.executable, None, "current interpreter"), [
                f"kernelspec {kernel_name!r} starts {launcher[0]!r}, which was not found; {fallback}"
            ]
        return KernelInfo(kernel_name, python, None, "kernelspec", launcher), []
    if python in _BARE_PYTHONS:
        # jupyter_client starts such kernels with the interpreter that launches them: this one
        return KernelInfo(kernel_name, sys.executable, None, "kernelspec"), []
    resolved = shutil.which(python) if python else None
    if not resolved:
        return KernelInfo(kernel_name, sys.executable, None, "current interpreter"), [
            f"kernelspec {kernel_name!r} starts {python!r}, which was not found; {fallback}"
        ]
    return KernelInfo(kernel_name, os.path.abspath(resolved), None, "kernelspec"), []


# -- asking it --------------------------------------------------------------------------

_cache: dict[str, tuple[tuple[tuple[str, int], ...], EnvironmentProbe]] = {}
_cache_lock = threading.Lock()


def _stamp(paths: Iterable[str]) -> tuple[tuple[str, int], ...]:
    stamp = []
    for path in paths:
        try:
            stamp.append((path, os.stat(path).st_mtime_ns))
        except OSError:
            stamp.append((path, -1))
    return tuple(stamp)


def clear_probe_cache() -> None:
    with _cache_lock:
        _cache.clear()


def probe_environment(python: str, launcher: Sequence[str] = ()) -> EnvironmentProbe:
    """Installed distributions of ``python`` (subprocess; cached while its site folders are unchanged)."""
    key = " ".join([*launcher, python if launcher else os.path.abspath(python)])
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and _stamp(p for p, _ in cached[0]) == cached[0]:
        return cached[1]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME",)}
    try:
        done = subprocess.run(
            [*launcher, python, "-c", _PROBE], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"cannot run {python}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{python} failed to list its packages: {tail[0]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    probe = EnvironmentProbe(
        executable=data["executable"],
        version=data["version"],
        stdlib=frozenset(data["stdlib"]),
        packages={k: list(v) for k, v in data["packages"].items()},
        versions={canonical_name(n): (n, v) for n, v in data["versions"].items()},
        paths=tuple(data["paths"]),
        requires={
            canonical_name(n): frozenset(canonical_name(m.group(1)) for r in reqs if (m := _NAME.match(r)))
            for n, reqs in data.get("requires", {}).items()
        },
    )
    with _cache_lock:
        _cache[key] = (_stamp(probe.paths), probe)
    return probe


# -- pinning ----------------------------------------------------------------------------

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def _providers(dists: Iterable[str], probe: EnvironmentProbe) -> list[str]:
    """The distributions to pin for one module: those not already required by another of them.

    ``import mlflow`` is provided by mlflow, mlflow-skinny and mlflow-tracing;
    mlflow requires the other two, so pinning mlflow is enough.
    """
    names = sorted(set(dists))
    keys = {canonical_name(n) for n in names}
    pulled = set().union(*(probe.requires.get(k, frozenset()) for k in keys)) if keys else set()
    return [n for n in names if canonical_name(n) not in pulled] or names


def pin_requirements(
    imports: Iterable[tuple[str, int, int | None]],
    installs: Iterable[tuple[str, int, int | None]],
    probe: EnvironmentProbe,
    *,
    tracking: Sequence[str] = (),
    local_modules: Iterable[str] = (),
) -> tuple[list[Requirement], list[str]]:
    """Requirement lines from the slice's imports, the notebook's own installs and the tracking packages.

    ``imports`` and ``installs`` are ``(module or spec, cell_index, line)``;
    ``tracking`` names distributions main.py itself uses (mlflow, skops).
    """
    pinned: dict[str, Requirement] = {}
    warnings: list[str] = []
    local = set(local_modules)
    seen_modules: set[str] = set()

    def pin(dist: str, reason: str) -> bool:
        key = canonical_name(dist)
        if key in pinned:
            return True
        found = probe.versions.get(key)
        if found is None:
            return False
        pinned[key] = Requirement(f"{found[0]}=={found[1]}", reason)
        return True

    for module, cell_index, line in imports:
        if module in seen_modules or module in local or module == "__future__" or module in probe.stdlib:
            continue
        seen_modules.add(module)
        dists = probe.packages.get(module, [])
        if not dists:
            warnings.append(
                _("cell {cell_index}, line {line}: module {module!r} is not installed in the kernel's "
                  "environment ({executable}); it is not in requirements.txt").format(
                    cell_index=cell_index, line=line, module=module, executable=probe.executable)
            )
            continue
        for dist in _providers(dists, probe):
            pin(dist, f"import {module} (cell {cell_index})")
    for spec, cell_index, line in installs:
        match = _NAME.match(spec)
        if not match or "/" in spec or spec.startswith("."):
            key = spec
            if key not in pinned:
                pinned[key] = Requirement(spec, f"installed in cell {cell_index}")
                warnings.append(_("cell {cell_index}, line {line}: requirement {spec!r} is kept as written (not a package name)").format(
                    cell_index=cell_index, line=line, spec=spec))
            continue
        name, extras, rest = match.group(1), match.group(2) or "", match.group(3).strip()
        key = canonical_name(name)
        if key in pinned:
            continue  # the version the kernel actually has wins over the notebook's install line
        found = probe.versions.get(key)
        if found is not None:
            pinned[key] = Requirement(f"{found[0]}{extras}=={found[1]}", f"installed in cell {cell_index}")
        else:
            pinned[key] = Requirement(f"{name}{extras}{rest}", f"installed in cell {cell_index}")
            warnings.append(
                _("cell {cell_index}, line {line}: {name!r} is not installed in the kernel's "
                  "environment; requirements.txt keeps {spec!r} unpinned").format(
                    cell_index=cell_index, line=line, name=name, spec=spec)
            )
    for dist in tracking:
        if not pin(dist, "used by main.py for tracking"):
            pinned.setdefault(canonical_name(dist), Requirement(dist, "used by main.py for tracking"))
            warnings.append(_("{dist} is not installed in the kernel's environment; requirements.txt lists it unpinned").format(dist=dist))
    return sorted(pinned.values(), key=lambda r: r.line.lower()), warnings
