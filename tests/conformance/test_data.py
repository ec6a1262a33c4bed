"""Data assets on every target: versions, latest, listing, and use as a job input."""

from __future__ import annotations

import pytest

from amlx_lab.errors import NotFoundError, ValidationError
from amlx_lab.records import JobStatus

from .conftest import Target

pytestmark = pytest.mark.slow


def test_versions_listing_and_a_job_reading_the_latest(target: Target) -> None:
    target.require("data_assets")
    data = target.ws.data(target.name)
    source = target.root / "titanic.csv"
    source.write_text("Age,Pclass\n22,3\n")
    first = target.ws.register_data("conf-titanic", source, base_dir=target.root, target=target.name,
                                    description="first cut")
    source.write_text("Age,Pclass\n22,3\n38,1\n")
    second = target.ws.register_data("conf-titanic", source, base_dir=target.root, target=target.name)
    assert (first.version, second.version, first.type) == ("1", "2", "uri_file")
    assert first.description == "first cut" and first.ref == "azureml:conf-titanic:1"
    assert data.get_data("conf-titanic").version == "2"
    assert data.get_data("conf-titanic", 1).size == first.size
    assert [a.version for a in data.list_data("conf-titanic")] == ["2", "1"]
    assert ("conf-titanic", "2") in {(a.name, a.version) for a in data.list_data()}
    with pytest.raises(NotFoundError):
        data.get_data("conf-titanic", 9)
    with pytest.raises(ValidationError):
        data.get_data("no good name!")

    if not target.has("jobs"):
        return
    job = target.submit("import sys\nprint(open(sys.argv[2]).read().count(chr(10)), 'lines')\n",
                        inputs={"data": "azureml:conf-titanic@latest"})
    done = target.finished(job)
    assert done.status is JobStatus.COMPLETED, done.error
    assert done.inputs[0].asset == "conf-titanic:2"
    assert "3 lines" in target.ws.jobs(target.name).logs(job.name).text
