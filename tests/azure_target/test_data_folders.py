"""A folder registered as a ``uri_folder`` data asset on the Azure target, and a job that reads it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.errors import NotFoundError, ValidationError
from amlx_lab.specs import CommandJobSpec

pytestmark = pytest.mark.slow

READS_FOLDER = """
import os, sys
folder = sys.argv[sys.argv.index("--shards") + 1]
print("shards:", sorted(os.listdir(folder)), flush=True)
"""


def test_a_folder_is_uploaded_as_a_uri_folder_and_a_job_reads_it(backend: AzureBackend, tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "a.csv").write_text("x\n1\n")
    (shards / "b.csv").write_text("x\n2\n3\n")
    asset = backend.register_data("folder-shards", shards, description="two shards", version=7)
    assert (asset.name, asset.version, asset.type) == ("folder-shards", "7", "uri_folder")
    assert asset.size == 10 and asset.source == "shards" and asset.description == "two shards"
    assert str(tmp_path) not in repr(asset.to_dict())
    assert backend.get_data("folder-shards").version == "7"
    assert backend.register_data("folder-shards", shards).version == "8", "the next whole number"
    with pytest.raises(ValidationError):
        backend.get_data("folder-shards", "../7")
    with pytest.raises(NotFoundError):
        backend.register_data("folder-shards", tmp_path / "nowhere")

    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text(READS_FOLDER)
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="data-folders",
                                        inputs={"shards": "azureml:folder-shards:7"}))
    assert job.inputs[0].asset == "folder-shards:7" and job.inputs[0].path == "azureml:folder-shards:7"
    deadline = time.monotonic() + 120
    while not (done := backend.get_job(job.name)).status.terminal:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert done.status.value == "Completed", done.error
    assert "shards: ['a.csv', 'b.csv']" in backend.logs(job.name).text
