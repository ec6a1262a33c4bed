"""Data files the sliced code reads, found in its string literals.

A string literal that is a relative path naming an existing file or folder
under the notebook's folder is something the code reads (``"data/titanic.csv"``,
``"data"`` for ``os.path.join("data", name)``). Up to ``max_copy_bytes`` it is
copied into the package at the same relative path, so the user's line works
unchanged with cwd = package folder; above that it becomes a job input that
main.py links into place from ``--input-<slug> PATH``. A path named in
``job_inputs`` becomes a job input whatever its size, so that something else
(a registered data asset) can stand in for the local file when the job runs.

Never copied, with a warning: absolute paths, paths that leave the notebook's
folder (``../../etc/passwd``, or a symlink pointing outside), hidden files
(``.env`` often holds secrets). ``outputs/`` is skipped quietly: it is where
the job writes, not what it reads. Nor is a file the code writes before it
reads it (``df.to_csv("submission.csv")``, :func:`written_first`): the copy
left by the last notebook run is an output of that run, not an input.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..records import Record
from ..i18n import _

__all__ = ["PackageInput", "copy_inputs", "find_inputs", "input_option", "local_module", "normalise_path", "written_first"]

OUTPUTS = "outputs"


@dataclass(frozen=True)
class PackageInput(Record):
    """A file or folder the job reads, with the relative path the code uses."""

    path: str  # POSIX, relative to the package folder, exactly as the code names it (normalised)
    kind: str  # "file" | "directory" | "module"
    mode: str  # "copied" | "job_input"
    size_bytes: int
    sha256: str | None  # of the content (folders: of their sorted file list and contents); None for job inputs
    source: str  # absolute path on this machine
    option: str | None  # main.py option for a job input, e.g. "--input-data_big_csv"
    cell_index: int | None
    line: int | None


def normalise_path(text: str) -> str:
    """The form of ``PackageInput.path``: ``./data//a.csv`` and ``data/x/../a.csv`` are ``data/a.csv``.

    Callers that name inputs (``job_inputs``, ``command_line(inputs=...)``)
    normalise the same way, so that any spelling of a path finds its input.
    """
    return os.path.normpath(text).replace(os.sep, "/")


def input_option(path: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "input"
    return f"--input-{slug}"


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def _files_under(folder: Path, base: Path) -> Iterable[Path]:
    """Regular files under ``folder``, skipping hidden entries and links that leave ``base``."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__" and _inside(Path(root, d).resolve(), base))
        for name in sorted(files):
            path = Path(root, name)
            if name.startswith(".") or not _inside(path.resolve(), base) or not path.resolve().is_file():
                continue
            yield path


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _measure(path: Path, base: Path, limit: int) -> tuple[int, bool]:
    """Size in bytes, and whether it fits under ``limit`` (stops counting early for big folders)."""
    if path.is_file():
        size = path.stat().st_size
        return size, size <= limit
    total = 0
    for file in _files_under(path, base):
        total += file.stat().st_size
        if total > limit:
            return total, False
    return total, True


def _digest(path: Path, base: Path) -> str:
    if path.is_file():
        return _sha256_file(path)
    digest = hashlib.sha256()
    for file in _files_under(path, base):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0" + _sha256_file(file).encode() + b"\n")
    return digest.hexdigest()


def _looks_like_path(text: str) -> bool:
    if not text or text != text.strip() or len(text) > 512 or "\0" in text:
        return False
    return "://" not in text and not text.startswith(("%", "{", "<"))


def find_inputs(
    literals: Iterable[tuple[str, int | None, int | None]],
    base_dir: Path,
    max_copy_bytes: int,
    *,
    hash_files: bool = True,
    job_inputs: Collection[str] = (),
) -> tuple[list[PackageInput], list[str]]:
    """Inputs named by ``(text, cell_index, line)`` literals, and warnings about refused ones.

    ``job_inputs`` (normalised paths) become job inputs even when they are small enough to copy.
    """
    base = base_dir.resolve()
    found: dict[str, PackageInput] = {}
    warnings: list[str] = []
    warned: set[str] = set()

    def refuse(text: str, where: str, sentence: str) -> None:
        """``sentence`` is translated whole, with ``{where}`` and ``{text!r}`` in it."""
        if text not in warned:
            warned.add(text)
            warnings.append(sentence.format(where=where, text=text))

    try:
        top = set(os.listdir(base))  # a relative path can only exist if its first part does
    except OSError:
        top = set()
    seen: set[str] = set()
    for text, cell_index, line in literals:
        if text in seen or not _looks_like_path(text):
            continue
        seen.add(text)
        if not text.startswith(("/", "~", "..")) and os.path.normpath(text).split(os.sep)[0] not in top:
            continue
        where = f"cell {cell_index}, line {line}" if cell_index is not None else "the code"
        expanded = os.path.expanduser(text)
        if os.path.isabs(expanded):
            if os.path.exists(expanded) and not (os.path.isdir(expanded) and text in ("/",)):
                refuse(text, where, _("{where}: {text!r} is an absolute path (the job may not see this machine's files); "
                                     "not copied into the package"))
            continue
        try:
            candidate = base / text
            exists = os.path.lexists(candidate)
        except (OSError, ValueError):
            continue
        if not exists:
            continue
        normal = normalise_path(text)
        if normal in (".", "") or normal.startswith("../") or normal == "..":
            if normal not in (".", ""):
                refuse(text, where, _("{where}: {text!r} leaves the notebook's folder; not copied into the package"))
            continue
        resolved = candidate.resolve()
        if not _inside(resolved, base) or resolved == base:
            refuse(text, where, _("{where}: {text!r} resolves outside the notebook's folder; not copied into the package"))
            continue
        parts = PurePosixPath(normal).parts
        if parts[0] == OUTPUTS:
            continue
        if any(p.startswith(".") for p in parts):
            refuse(text, where, _("{where}: {text!r} is a hidden file (it may hold secrets); not copied into the package"))
            continue
        if normal in found or not (resolved.is_file() or resolved.is_dir()):
            continue
        size, fits = _measure(resolved, base, max_copy_bytes)
        copied = fits and normal not in job_inputs
        kind = "directory" if resolved.is_dir() else "file"
        found[normal] = PackageInput(
            path=normal,
            kind=kind,
            mode="copied" if copied else "job_input",
            size_bytes=size,
            sha256=(_digest(resolved, base) if hash_files else None) if copied else None,
            source=str(resolved),
            option=None if copied else input_option(normal),
            cell_index=cell_index,
            line=line,
        )
    # a file inside a folder the code reads comes with that folder (copied, or linked as a job
    # input); copying it on its own would put a real folder where the job input's link must go
    folders = [i.path for i in found.values() if i.kind == "directory"]
    inputs = [
        i for i in found.values()
        if not any(i.path != f and i.path.startswith(f + "/") for f in folders)
    ]
    return sorted(inputs, key=lambda i: i.path), warnings


def written_first(uses: Iterable[tuple[str, int, int, bool]]) -> dict[str, tuple[str, int, int]]:
    """Paths whose first use, in running order, writes them: outputs of the job, not inputs.

    ``uses`` are ``(text, cell_index, line, written)`` for every path-like
    string literal of the cells the job runs; the answer maps the normalised
    path to where it is first written. A path read (or used in a way the
    analysis does not know) before it is written stays an input.
    """
    first: dict[str, tuple[int, int, bool, str]] = {}
    for text, cell_index, line, written in uses:
        if not _looks_like_path(text):
            continue
        key = normalise_path(text)
        seen = first.get(key)
        if seen is None or (cell_index, line, not written) < (seen[0], seen[1], not seen[2]):
            first[key] = (cell_index, line, written, text)
    return {key: (text, cell, line) for key, (cell, line, written, text) in first.items() if written}


def local_module(module: str, base_dir: Path) -> Path | None:
    """``base_dir/module.py`` or ``base_dir/module/`` (a package), which the notebook imports first."""
    if not module or module.startswith("."):
        return None
    file = base_dir / f"{module}.py"
    if file.is_file():
        return file
    package = base_dir / module
    if (package / "__init__.py").is_file():
        return package
    return None


def _copy(source: Path, dest: Path) -> None:
    """Copy content and times; the copy is the owner's to change even if the original is read-only."""
    shutil.copy2(source, dest)
    mode = dest.stat().st_mode
    if not mode & stat.S_IWUSR:
        dest.chmod(mode | stat.S_IWUSR)


def copy_inputs(inputs: Iterable[PackageInput], root: Path, base_dir: Path) -> list[str]:
    """Copy the ``copied`` inputs into ``root`` at their relative paths; returns the files written."""
    base = base_dir.resolve()
    written: list[str] = []
    for item in inputs:
        if item.mode != "copied":
            continue
        source = Path(item.source)
        target = root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_file():
            _copy(source, target)
            written.append(item.path)
            continue
        for file in _files_under(source, base):
            rel = file.relative_to(source)
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            _copy(file.resolve(), dest)
            written.append(f"{item.path}/{rel.as_posix()}")
    return written
