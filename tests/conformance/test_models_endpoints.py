"""The model registry and online endpoints on every target, ending with the seed's request.

The model is a stub file and the deployment a ``score.py`` with Azure's
``init()``/``run()`` contract, so provisioning takes a second, not the
scikit-learn import of a real pickle (the scenario tests cover those).
"""

from __future__ import annotations

import pytest

from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import JobStatus

from .conftest import Target

pytestmark = pytest.mark.slow

SCORE = """
import json

def init():
    global prefix
    prefix = "scored"

def run(raw_data):
    rows = json.loads(raw_data)["data"]
    return {"result": [f"{prefix} {row.get('Age')}" for row in rows]}
"""


@pytest.fixture(scope="module")
def trained(target: Target) -> str:
    """A finished job whose outputs hold a model file."""
    if not target.has("jobs"):
        pytest.skip("the target runs no jobs")
    job = target.submit("import os\nos.makedirs('outputs', exist_ok=True)\nopen('outputs/model.pkl', 'wb').write(b'stub')\n")
    done = target.finished(job)
    assert done.status is JobStatus.COMPLETED, done.error
    return done.name


def test_a_job_output_is_registered_listed_and_downloaded(target: Target, trained: str) -> None:
    target.require("models")
    models = target.ws.models(target.name)
    assert [c.source for c in models.model_candidates(trained)] == ["outputs/model.pkl"]
    first = models.register_model("conf-model", job=trained, path="outputs/model.pkl", description="stub")
    second = models.register_model("conf-model", job=trained)  # the only candidate
    assert (first.version, second.version, first.job, first.source) == ("1", "2", trained, "outputs/model.pkl")
    assert models.get_model("conf-model").version == "2" and models.get_model("conf-model", 1) == first
    assert [v.version for v in models.model_versions("conf-model")] == ["2", "1"]
    assert ("conf-model", "2") in {(m.name, m.latest_version) for m in models.list_models()}
    local, filename = models.model_download("conf-model", 1)
    assert filename == "model.pkl" and local.read_bytes() == b"stub"
    with pytest.raises(NotFoundError):
        models.get_model("conf-model", 7)
    with pytest.raises((NotFoundError, ValidationError)):
        models.register_model("conf-model", job=trained, path="outputs/missing.pkl")


def test_an_endpoint_serves_the_seed_request_after_provisioning(target: Target, trained: str) -> None:
    target.require("endpoints")
    target.require("models")
    endpoints = target.ws.endpoints(target.name)
    target.ws.models(target.name).register_model("conf-served", job=trained)
    script = target.root / "score.py"
    script.write_text(SCORE)
    endpoint = endpoints.create_endpoint("conf-endpoint")
    assert endpoint.auth_mode == "key" and endpoint.scoring_uri
    with pytest.raises(ConflictError):
        endpoints.create_endpoint("conf-endpoint")

    started = target.ws.create_deployment("conf-endpoint", "blue", model="conf-served", score_script=script,
                                          base_dir=target.root, target=target.name)
    assert started.status == "Creating", "provisioning returns at once; clients follow it"
    blue = target.ws.wait_deployment("conf-endpoint", "blue", timeout=120, target=target.name)
    assert blue.status == "Succeeded", blue.last_error
    assert endpoints.get_endpoint("conf-endpoint").traffic == {"blue": 100}

    result = endpoints.invoke("conf-endpoint", {"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]})
    assert result.status_code == 200 and result.body == {"result": ["scored 22"]}
    keys = endpoints.endpoint_keys("conf-endpoint")
    assert keys.primary_key and keys.secondary_key and keys.primary_key != keys.secondary_key
    assert keys.primary_key in endpoints.endpoint_curl("conf-endpoint")
    renewed = endpoints.regenerate_key("conf-endpoint", "primary")
    assert renewed.primary_key != keys.primary_key and renewed.secondary_key == keys.secondary_key
    assert endpoints.invoke("conf-endpoint", {"data": [{"Age": 1}]}).status_code == 200

    with pytest.raises(ConflictError):
        endpoints.set_traffic("conf-endpoint", {"green": 100})
    with pytest.raises(ValidationError):
        endpoints.set_traffic("conf-endpoint", {"blue": 50})
    with pytest.raises(ValidationError):
        endpoints.regenerate_key("conf-endpoint", "tertiary")
    endpoints.delete_endpoint("conf-endpoint")
    with pytest.raises(NotFoundError):
        endpoints.get_endpoint("conf-endpoint")
