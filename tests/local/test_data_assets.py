"""Data assets: versioned copies, Azure-style references, and a job that reads one."""

from __future__ import annotations

from pathlib import Path

import pytest

from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec

from .conftest import write_code


def csv(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "titanic.csv"
    path.write_text("Age,Pclass,Sex\n" + "22,3,male\n" * rows)
    return path


def test_versions_increment_and_latest_resolves_to_the_newest(backend, tmp_path):
    source = csv(tmp_path, 2)
    v1 = backend.register_data("titanic-dataset", source, description="first cut")
    source.write_text("Age,Pclass,Sex\n")  # the registered copy must not change
    v2 = backend.register_data("titanic-dataset", source)
    assert (v1.version, v2.version) == ("1", "2")
    assert v1.type == "uri_file" and v1.description == "first cut" and v1.ref == "azureml:titanic-dataset:1"
    copy = backend.data.local_copy("titanic-dataset", 1)[0]
    assert copy.read_text().count("\n") == 3 and copy.is_relative_to(backend.root)
    assert backend.get_data("titanic-dataset").version == "2"
    assert backend.get_data("titanic-dataset", 1).size == v1.size

    assert backend.resolve_input("azureml:titanic-dataset@latest") == backend.data.local_copy("titanic-dataset", 2)[0]
    assert backend.resolve_input("titanic-dataset@latest") == backend.data.local_copy("titanic-dataset", 2)[0]
    assert backend.resolve_input("titanic-dataset:1") == backend.data.local_copy("titanic-dataset", 1)[0]
    assert backend.resolve_input("azureml:titanic-dataset:1") == backend.data.local_copy("titanic-dataset", 1)[0]
    assert backend.resolve_input(str(source)) == source.resolve()

    backend.register_data("heart", source, version="2024.1")
    assert [(a.name, a.version) for a in backend.list_data()] == [("heart", "2024.1"), ("titanic-dataset", "2")]
    assert [a.version for a in backend.list_data("titanic-dataset")] == ["2", "1"]
    assert backend.register_data("heart", source).version == "1"  # numeric versions ignore named ones


def test_data_asset_errors(backend, tmp_path):
    source = csv(tmp_path, 1)
    backend.register_data("titanic", source)
    with pytest.raises(ConflictError):
        backend.register_data("titanic", source, version=1)
    for name in ("bad name", "../up", "", "-dash-first"):
        with pytest.raises(ValidationError) as raised:
            backend.register_data(name, source)
        assert raised.value.field == "name"
    with pytest.raises(ValidationError) as raised:
        backend.register_data("titanic", tmp_path / "nope.csv")
    assert raised.value.field == "path"
    with pytest.raises(ValidationError) as raised:
        backend.register_data("titanic", source, version="latest")
    assert raised.value.field == "version"
    with pytest.raises(NotFoundError):
        backend.get_data("titanic", 7)
    with pytest.raises(NotFoundError):
        backend.resolve_input("azureml:unknown@latest")
    with pytest.raises(NotFoundError):
        backend.list_data("unknown")
    with pytest.raises(ValidationError):
        backend.resolve_input("azureml://datastores/workspaceblobstore/paths/x.csv")
    with pytest.raises(ValidationError):
        backend.resolve_input("azureml:titanic@stable")


def test_folders_register_as_uri_folder(backend, tmp_path):
    folder = tmp_path / "images"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "1.txt").write_text("xx")
    (folder / "2.txt").write_text("yyy")
    asset = backend.register_data("images", folder)
    copy = backend.data.local_copy(asset.name, asset.version)[0]
    assert asset.type == "uri_folder" and asset.size == 5 and (copy / "a" / "1.txt").exists()


@pytest.mark.slow
def test_a_job_reads_a_data_asset_input(backend, tmp_path):
    backend.register_data("titanic-dataset", csv(tmp_path, 2))
    backend.register_data("titanic-dataset", csv(tmp_path, 5))
    code = write_code(
        tmp_path / "pkg",
        """
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--data")
        parser.add_argument("--train")
        args = parser.parse_args()
        print("latest rows", sum(1 for _ in open(args.data)) - 1)
        print("pinned rows", sum(1 for _ in open(args.train)) - 1)
        """,
    )
    job = backend.submit(
        CommandJobSpec(
            code_dir=code,
            experiment="titanic-demo",
            command=("python", "main.py", "--train", "${{inputs.train}}"),
            inputs={"data": "azureml:titanic-dataset@latest", "train": "titanic-dataset:1"},
        )
    )
    assert [(i.name, i.asset) for i in job.inputs] == [("data", "titanic-dataset:2"), ("train", "titanic-dataset:1")]
    done = backend.wait(job.name, timeout=60)
    assert done.status is JobStatus.COMPLETED, backend.logs(job.name).text
    text = backend.logs(job.name).text
    assert "latest rows 5" in text and "pinned rows 2" in text
    assert done.command[-2:] == ("--data", job.inputs[0].path)
