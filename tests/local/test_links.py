"""Symbolic links inside folders never carry a file from elsewhere on the server into a copy or a download.

Registrations (data assets, models) and job code snapshots refuse a folder
holding a link that leaves it, with a sentence naming the link relative to the
folder; listings and downloads of a job's outputs skip or refuse such links.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from amlx_lab.errors import NotFoundError, ValidationError
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec

from .conftest import write_code

pytestmark = pytest.mark.slow

SECRET = "top secret: not the user's to copy"

# The job leaves a model folder holding a real pickle and a link to a file outside the workspace.
LINKING_MAIN = """
    import os, pickle, sys
    os.makedirs("outputs/model", exist_ok=True)
    pickle.dump({"w": 1}, open("outputs/model/model.pkl", "wb"))
    os.symlink(sys.argv[1], "outputs/model/leak.txt")
    os.makedirs("outputs/clean", exist_ok=True)
    pickle.dump({"w": 2}, open("outputs/clean/model.pkl", "wb"))
"""


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def test_a_data_folder_with_a_link_out_is_refused_and_nothing_is_copied(backend, tmp_path: Path, secret: Path) -> None:
    folder = tmp_path / "data"
    (folder / "inner").mkdir(parents=True)
    (folder / "rows.csv").write_text("a\n1\n")
    (folder / "inner" / "link.csv").symlink_to(secret)
    with pytest.raises(ValidationError) as refused:
        backend.register_data("linked", folder)
    message = refused.value.message
    assert "'inner/link.csv'" in message and "symbolic link" in message and "nothing was copied" in message
    assert str(tmp_path) not in message and str(secret) not in repr(refused.value.details)
    with pytest.raises(NotFoundError):
        backend.list_data("linked")
    assert SECRET not in "".join(p.read_text() for p in backend.layout.data_dir.rglob("*") if p.is_file())

    (folder / "inner" / "link.csv").unlink()
    (folder / "inner" / "same.csv").symlink_to(folder / "rows.csv")  # a link inside the folder is copied as its file
    asset = backend.register_data("linked", folder)
    assert asset.type == "uri_folder"


def test_model_registration_and_download_never_carry_a_linked_file(backend, tmp_path: Path, secret: Path) -> None:
    code = write_code(tmp_path / "pkg", LINKING_MAIN)
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="links", command=("python", "main.py", str(secret))))
    done = backend.wait(job.name, timeout=120)
    assert done.status is JobStatus.COMPLETED, backend.logs(job.name).text

    with pytest.raises(ValidationError) as refused:
        backend.register_model("leaky", job=job.name, path="outputs/model")
    assert "'leak.txt'" in refused.value.message and str(secret) not in refused.value.message
    with pytest.raises(NotFoundError):
        backend.model_versions("leaky")

    # the outputs listing leaves the link out, and asking for it by name is refused
    assert "model/leak.txt" not in {f.path for f in backend.list_outputs(job.name)}
    with pytest.raises(ValidationError):
        backend.output_file(job.name, "model/leak.txt")

    version = backend.register_model("clean", job=job.name, path="outputs/clean")
    local, filename = backend.model_download("clean", version.version)
    if filename.endswith(".zip"):
        with zipfile.ZipFile(local) as archive:
            assert all(SECRET.encode() not in archive.read(n) for n in archive.namelist())
    else:
        assert SECRET.encode() not in Path(local).read_bytes()


def test_a_code_folder_with_a_link_out_is_refused(backend, tmp_path: Path, secret: Path) -> None:
    code = write_code(tmp_path / "pkg", "print('hi')\n")
    (code / "config.txt").symlink_to(secret)
    with pytest.raises(ValidationError) as refused:
        backend.submit(CommandJobSpec(code_dir=code, experiment="links"))
    assert refused.value.details["field"] == "code_dir" and "'config.txt'" in refused.value.message
    assert backend.list_jobs.__self__ is backend  # the backend is still usable
    assert not list(backend.layout.jobs_dir.glob("*/code/config.txt")) if backend.layout.jobs_dir.exists() else True
