"""A job's logs and outputs: byte offsets that never split a character, paths that never escape."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from amlx_lab.backends.local.files import read_log
from amlx_lab.errors import NotFoundError, ValidationError
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec

from .conftest import write_code


def test_log_chunks_reassemble_exactly_and_cut_at_character_boundaries(tmp_path):
    text = "héllo wörld ✓ 🎉\n" * 50
    log = tmp_path / "std_log.txt"
    log.write_bytes(text.encode())
    pieces, offset = [], None
    while True:
        chunk = read_log(log, offset, 7, finished=True)
        pieces.append(chunk.text)
        assert "\ufffd" not in chunk.text
        if chunk.complete:
            break
        assert int(chunk.next_offset) > int(offset or 0)
        offset = chunk.next_offset
    assert "".join(pieces) == text
    tail = read_log(log, "-10", 1000, finished=False)
    assert text.endswith(tail.text) and tail.next_offset == str(len(text.encode())) and not tail.complete
    assert read_log(tmp_path / "missing.txt", None, 10, finished=False).text == ""
    with pytest.raises(ValidationError):
        read_log(log, None, 0, finished=True)
    for bad in ("x", "1.5", "--3", "9" * 40):
        with pytest.raises(ValidationError):
            read_log(log, bad, 10, finished=True)


def test_logs_grow_while_the_job_runs(backend, tmp_path):
    code = write_code(tmp_path / "pkg", "print('line one'); print('dernière ligne ✓')\n")
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="logs"))
    first = backend.logs(job.name)
    assert first.offset == "0" and not first.complete  # it just started
    done = backend.wait(job.name, timeout=60)
    assert done.status is JobStatus.COMPLETED
    chunk = backend.logs(job.name, offset=first.next_offset)
    assert (first.text + chunk.text) == "line one\ndernière ligne ✓\n" and chunk.complete


def test_the_system_log_is_a_second_log_next_to_std_log(backend, tmp_path):
    """The supervisor names the file (AMLX_SYSTEM_LOG); a job package's runtime puts MLflow's messages there."""
    code = write_code(
        tmp_path / "pkg",
        "import os\nprint('to the user')\nopen(os.environ['AMLX_SYSTEM_LOG'], 'w').write('to the system log\\n')\n",
    )
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="logs"))
    assert backend.wait(job.name, timeout=60).status is JobStatus.COMPLETED
    assert backend.logs(job.name).text == "to the user\n"
    system = backend.logs(job.name, log="system")
    assert system.text == "to the system log\n" and system.complete
    with pytest.raises(ValidationError):
        backend.logs(job.name, log="kernel")  # type: ignore[arg-type]


@pytest.mark.slow
def test_output_paths_cannot_escape_the_outputs_folder(backend, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    code = write_code(
        tmp_path / "pkg",
        f"""
        import os
        os.makedirs("outputs/model", exist_ok=True)
        open("outputs/model/model.pkl", "wb").write(b"\\x00\\x01")
        os.symlink({str(secret)!r}, "outputs/leak.txt")
        os.symlink("/", "outputs/root")
        """,
    )
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="files"))
    assert backend.wait(job.name, timeout=60).status is JobStatus.COMPLETED
    assert [(f.path, f.size) for f in backend.list_outputs(job.name)] == [("model/model.pkl", 2)]
    assert backend.output_file(job.name, "model/model.pkl").read_bytes() == b"\x00\x01"

    for bad in ("../code/main.py", "../../../amlx.db", "/etc/passwd", "model/../../logs/std_log.txt", "~/x", "a\x00b", ""):
        with pytest.raises(ValidationError) as raised:
            backend.output_file(job.name, bad)
        assert raised.value.field == "path"
    for leak in ("leak.txt", "root/etc/passwd"):
        with pytest.raises(ValidationError, match="outside"):
            backend.output_file(job.name, leak)
    with pytest.raises(NotFoundError):
        backend.output_file(job.name, "model/missing.pkl")
    with pytest.raises(NotFoundError):
        backend.output_file(job.name, "model")  # a folder is not a file to download
    with pytest.raises(ValidationError):
        backend.code_file(job.name, "../outputs/model/model.pkl")
    assert Path(backend.code_file(job.name, "main.py")).parent == Path(os.path.realpath(backend.layout.code_dir(job.name)))
