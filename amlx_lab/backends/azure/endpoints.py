"""Managed online endpoints with key auth, their deployments and traffic, through azure-ai-ml.

Provisioning a deployment takes Azure 10 to 20 minutes, so ``create_deployment``
sends the request and returns (status ``Creating``); clients follow it by
reading the endpoint, as they follow a local deployment. The traffic asked for
travels in the deployment's tags (``amlx.traffic``) and is applied by the first
read that finds the deployment ``Succeeded`` and its share not yet applied
(marked in the endpoint's tags), from whatever process reads it (the sidebar, the CLI, a notebook),
so nothing is lost when the process that deployed exits.

A custom model (a pickle) needs a scoring script on Azure: the user's, or
``score_template.py``, which answers the same request shapes as the local
scoring server. An MLflow model is deployed without one (Azure serves it),
except an AutoML job's best model, which gets it (it loads MLflow folders).

Scoring is a POST to the endpoint's ``scoring_uri`` with the key through
httpx, never ``online_endpoints.invoke`` (which keeps the key in a header dict
shared by every later call in the process). The key is only ever in the
``Authorization`` header and the curl the user asked for.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import ssl
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from ...config import AzureSettings
from ...errors import ConflictError, NotFoundError, UpstreamError, ValidationError
from ...names import check_endpoint_name
from ...records import Deployment, Endpoint, EndpointKeys, InvokeResult
from ..endpoint_rules import check_key_name, check_traffic, curl_command, encode_payload
from ...i18n import _
from .connection import Connection
from .models import Models, from_automl
from .quiet import mute_thread, quiet_streams
from .run_history import epoch

DEPLOYMENT_HEADER = "azureml-model-deployment"
TRAFFIC_TAG = "amlx.traffic"
APPLIED_TAG = "amlx.applied."
DEFAULT_INSTANCE_TYPE = "Standard_DS3_v2"
DEFAULT_SCORING_ENVIRONMENT = "azureml:AzureML-sklearn-1.5@latest"
DEFAULT_TIMEOUT = 60.0
_VM_SIZE = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,63}")
FAILURE_LOG_LINES = 50
_ENDPOINT_STATES = {"Creating": "Creating", "Succeeded": "Succeeded", "Failed": "Failed", "Updating": "Updating",
                    "Deleting": "Deleting", "Canceled": "Failed"}
_DEPLOYMENT_STATES = {"Creating": "Creating", "Updating": "Creating", "Scaling": "Creating", "Succeeded": "Succeeded",
                      "Failed": "Failed", "Canceled": "Failed", "Deleting": "Stopped"}


class Endpoints:
    def __init__(self, connection: Connection, models: Models, settings: AzureSettings) -> None:
        self._connection = connection
        self._models = models
        self._settings = settings

    @property
    def _ml(self) -> Any:
        return self._connection.ml

    # -- endpoints -----------------------------------------------------------------------------

    def create(self, name: str, *, auth_mode: str = "key", description: str | None = None) -> Endpoint:
        """A managed online endpoint with key auth; waits for it (a minute or two on Azure), as deployments need it."""
        from azure.ai.ml.entities import ManagedOnlineEndpoint

        check_endpoint_name(name, kind="endpoint")
        if auth_mode != "key":
            raise ValidationError(_("auth_mode {auth_mode!r} is not offered; use 'key'.").format(auth_mode=auth_mode), field="auth_mode")
        if description is not None and (not isinstance(description, str) or len(description) > 5000):
            raise ValidationError(_('description must be text of at most 5000 characters.'), field="description")
        if self._find(name) is not None:
            raise ConflictError(_('An endpoint named {name!r} already exists.').format(name=name), details={"endpoint": name})
        endpoint = ManagedOnlineEndpoint(name=name, auth_mode="key", description=description or None)
        with self._connection.translated(), quiet_streams():
            _wait(self._ml.online_endpoints.begin_create_or_update(endpoint))
        return self.get(name)

    def all(self) -> tuple[Endpoint, ...]:
        with self._connection.translated():
            names = [str(e.name) for e in self._ml.online_endpoints.list()]
        found = []
        for name in names:
            try:
                found.append(self.get(name))
            except NotFoundError:  # deleted meanwhile
                continue
        return tuple(sorted(found, key=lambda e: (e.created_at, e.name)))

    def get(self, name: str) -> Endpoint:
        check_endpoint_name(name, kind="endpoint")
        entity = self._entity(name)
        deployments = self._deployments(name)
        entity = self._apply_requested_traffic(entity, deployments)
        return _endpoint_record(entity, [self._deployment_record(name, d) for d in deployments])

    def delete(self, name: str) -> None:
        """Delete the endpoint and its deployments; waits until Azure has."""
        check_endpoint_name(name, kind="endpoint")
        self._entity(name)
        with self._connection.translated(not_found=lambda: _no_endpoint(name)), quiet_streams():
            _wait(self._ml.online_endpoints.begin_delete(name=name))

    def _find(self, name: str) -> Any | None:
        try:
            return self._entity(name)
        except NotFoundError:
            return None

    def _entity(self, name: str) -> Any:
        with self._connection.translated(not_found=lambda: _no_endpoint(name)):
            return self._ml.online_endpoints.get(name)

    # -- keys ------------------------------------------------------------------------------------

    def keys(self, name: str) -> EndpointKeys:
        check_endpoint_name(name, kind="endpoint")
        with self._connection.translated(not_found=lambda: _no_endpoint(name)):
            found = self._ml.online_endpoints.get_keys(name)
        primary, secondary = getattr(found, "primary_key", None), getattr(found, "secondary_key", None)
        if not primary or not secondary:
            raise ConflictError(_('Endpoint {name} does not use key authentication.').format(name=name), details={"endpoint": name})
        return EndpointKeys(primary_key=str(primary), secondary_key=str(secondary))

    def regenerate_key(self, name: str, which: str) -> EndpointKeys:
        check_endpoint_name(name, kind="endpoint")
        check_key_name(which)
        self._entity(name)
        with self._connection.translated(not_found=lambda: _no_endpoint(name)), quiet_streams():
            _wait(self._ml.online_endpoints.begin_regenerate_keys(name=name, key_type=which))
        return self.keys(name)

    # -- deployments -----------------------------------------------------------------------------

    def create_deployment(
        self,
        endpoint: str,
        name: str,
        *,
        model: str,
        traffic: int | None = None,
        score_script: Path | None = None,
        instance_type: str | None = None,
        instance_count: int | None = None,
    ) -> Deployment:
        """Send the deployment to Azure and return (status ``Creating``); the code, if any, is uploaded first.

        The VM size and count are the ones given, else the settings', else one ``Standard_DS3_v2``.
        """
        from azure.ai.ml.entities import CodeConfiguration, ManagedOnlineDeployment

        check_endpoint_name(endpoint, kind="endpoint", field="endpoint")
        check_endpoint_name(name, kind="deployment")
        if traffic is not None and (isinstance(traffic, bool) or not isinstance(traffic, int) or not 0 <= traffic <= 100):
            raise ValidationError(_('traffic must be a whole number from 0 to 100.'), field="traffic")
        ep = self._entity(endpoint)
        if _state(ep) == "Deleting":
            raise ConflictError(_('Endpoint {endpoint} is being deleted.').format(endpoint=endpoint), details={"endpoint": endpoint})
        existing = self._deployments(endpoint)
        if any(str(d.name) == name for d in existing):
            raise ConflictError(_('Endpoint {endpoint} already has a deployment named {name!r}.').format(endpoint=endpoint, name=name),
                                details={"endpoint": endpoint, "deployment": name})
        entity = self._models.resolve(model)
        share = traffic if traffic is not None else (0 if existing else 100)
        instance_type, instance_count = self._instances(instance_type, instance_count)
        # Azure serves an MLflow model itself (``input_data`` only); AutoML's best model gets the scoring
        # script, as Azure's AutoML gives it one, so that it answers the seed's ``{"data": [...]}`` too.
        served_by_azure = str(getattr(entity, "type", "")) == "mlflow_model" and not from_automl(entity)
        with tempfile.TemporaryDirectory(prefix="amlx-score-") as folder:
            extra: dict[str, Any] = {}
            if score_script is not None or not served_by_azure:
                script = _scoring_code(Path(folder), score_script)
                extra = {
                    "code_configuration": CodeConfiguration(code=folder, scoring_script=script),
                    "environment": self._settings.deployment_environment or DEFAULT_SCORING_ENVIRONMENT,
                }
            deployment = ManagedOnlineDeployment(
                name=name, endpoint_name=endpoint, model=f"azureml:{entity.name}:{entity.version}",
                instance_type=instance_type, instance_count=instance_count, tags={TRAFFIC_TAG: str(share)}, **extra,
            )
            with self._connection.translated(), quiet_streams():
                # Not waited for: Azure takes 10 to 20 minutes; readers follow the provisioning state.
                mute_thread(self._ml.online_deployments.begin_create_or_update(deployment))
        return self.get_deployment(endpoint, name)

    def _instances(self, instance_type: str | None, instance_count: int | None) -> tuple[str, int]:
        if instance_type is not None and (not isinstance(instance_type, str) or not _VM_SIZE.fullmatch(instance_type)):
            raise ValidationError(_(
                '{instance_type!r} is not a VM size such as Standard_DS3_v2.'
            ).format(instance_type=instance_type), field="instance_type")
        if instance_count is not None and (
            isinstance(instance_count, bool) or not isinstance(instance_count, int) or not 1 <= instance_count <= 100
        ):
            raise ValidationError(_('instance_count must be a whole number from 1 to 100.'), field="instance_count")
        kind = instance_type or self._settings.deployment_instance_type or DEFAULT_INSTANCE_TYPE
        if instance_count is not None:
            return kind, instance_count
        count_text = self._settings.deployment_instance_count or "1"
        if not count_text.isdigit() or not 1 <= int(count_text) <= 100:
            raise ValidationError(
                _(
                    'deployment_instance_count {count_text!r} in the Azure settings must be a whole number from 1 to '
                    '100.'
                ).format(count_text=count_text),
                field="deployment_instance_count",
            )
        return kind, int(count_text)

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        def missing() -> NotFoundError:
            return NotFoundError(_('Endpoint {endpoint} has no deployment named {name!r}.').format(endpoint=endpoint, name=name),
                                 details={"endpoint": endpoint, "deployment": name})

        with self._connection.translated(not_found=missing):
            found = self._ml.online_deployments.get(name=name, endpoint_name=endpoint)
        return self._deployment_record(endpoint, found)

    def delete_deployment(self, endpoint: str, name: str) -> None:
        """Delete one deployment (waits); one that still receives traffic beside others must give it up first."""
        check_endpoint_name(endpoint, kind="endpoint", field="endpoint")
        check_endpoint_name(name, kind="deployment")
        ep = self._entity(endpoint)
        self.get_deployment(endpoint, name)
        shares = {str(k): int(v) for k, v in (getattr(ep, "traffic", None) or {}).items()}
        others = [str(d.name) for d in self._deployments(endpoint) if str(d.name) != name]
        if shares.get(name, 0) > 0 and others:
            raise ConflictError(
                _(
                    "Deployment {name} still receives {shares_name}% of endpoint {endpoint}'s traffic; move it to "
                    "the other deployments first."
                ).format(name=name, shares_name=shares[name], endpoint=endpoint),
                details={"endpoint": endpoint, "deployment": name, "traffic": shares[name]},
            )
        with self._connection.translated(), quiet_streams():
            _wait(self._ml.online_deployments.begin_delete(name=name, endpoint_name=endpoint))

    def set_traffic(self, endpoint: str, traffic: dict[str, int]) -> Endpoint:
        """Every deployment named must exist; the others get 0 (the update itself is not waited for)."""
        check_endpoint_name(endpoint, kind="endpoint", field="endpoint")
        shares = check_traffic(traffic)
        ep = self._entity(endpoint)
        known = sorted(str(d.name) for d in self._deployments(endpoint))
        missing = sorted(set(shares) - set(known))
        if missing:
            raise ConflictError(
                _(
                    'Endpoint {endpoint} has no deployment named {missing_0!r}; its deployments: '
                    '{join_known_or_none}.'
                ).format(endpoint=endpoint, missing_0=missing[0], join_known_or_none=', '.join(known) or 'none'),
                details={"endpoint": endpoint, "deployment": missing[0]},
            )
        self._put_traffic(ep, {d: shares.get(d, 0) for d in known})
        return self.get(endpoint)

    def _put_traffic(self, ep: Any, traffic: dict[str, int], applied: dict[str, str] | None = None) -> Any:
        ep.traffic = traffic
        if applied:
            ep.tags = dict(getattr(ep, "tags", None) or {}) | applied
        with self._connection.translated(), quiet_streams():
            mute_thread(self._ml.online_endpoints.begin_create_or_update(ep))
        return self._entity(str(ep.name))

    def _apply_requested_traffic(self, ep: Any, deployments: list[Any]) -> Any:
        """Give a deployment that has just succeeded the share it was created with, once.

        Once is marked in the endpoint's tags (``amlx.applied.<deployment>`` = the
        deployment's creation time): Azure's traffic map cannot say it, as the SDK
        lists every deployment in it, with 0 when it has none.
        """
        current = {str(k): int(v) for k, v in (getattr(ep, "traffic", None) or {}).items()}
        marks = dict(getattr(ep, "tags", None) or {})
        for d in deployments:
            name = str(d.name)
            wanted = str((getattr(d, "tags", None) or {}).get(TRAFFIC_TAG, "0"))
            created = str(getattr(getattr(d, "creation_context", None), "created_at", "") or "")
            if _state(d) != "Succeeded" or marks.get(APPLIED_TAG + name) == created:
                continue
            mark = {APPLIED_TAG + name: created}
            if not wanted.isdigit() or int(wanted) == 0:
                return self._put_traffic(ep, current, mark)
            share = int(wanted)
            others = {k: v for k, v in current.items() if k != name and v > 0}
            if share >= 100 or not others:
                updated = {k: 0 for k in current} | {name: 100}
            else:
                largest = max(sorted(others), key=lambda k: others[k])
                updated = dict(current) | {name: share, largest: max(0, others[largest] - share)}
                if sum(updated.values()) != 100:
                    updated = {k: 0 for k in current} | {name: 100}
            return self._put_traffic(ep, updated, mark)
        return ep

    def _deployments(self, endpoint: str) -> list[Any]:
        with self._connection.translated(not_found=lambda: _no_endpoint(endpoint)):
            return list(self._ml.online_deployments.list(endpoint_name=endpoint))

    def _deployment_record(self, endpoint: str, entity: Any) -> Deployment:
        state = _DEPLOYMENT_STATES.get(_state(entity), "Creating")
        last_error = None
        if state == "Failed":
            last_error = self._failure_log(endpoint, str(entity.name))
        code = getattr(entity, "code_configuration", None)
        context = getattr(entity, "creation_context", None)
        return Deployment(
            name=str(entity.name),
            endpoint=endpoint,
            model=_model_ref(str(getattr(entity, "model", "") or "")),
            status=state,  # type: ignore[arg-type]
            deployment_uri=None,  # Azure's deployments share the endpoint's URI (pinned with a header)
            restarts=0,
            last_error=last_error,
            started_at=None,
            score_script=str(code.scoring_script) if code is not None and getattr(code, "scoring_script", None) else None,
            created_at=epoch(getattr(context, "created_at", None)),
        )

    def _failure_log(self, endpoint: str, name: str) -> str:
        """The end of the deployment's container log: what a person needs to see why it failed."""
        try:
            with self._connection.translated():
                text = str(self._ml.online_deployments.get_logs(name=name, endpoint_name=endpoint,
                                                                lines=FAILURE_LOG_LINES) or "")
        except Exception:  # noqa: BLE001 - the failure itself is what matters; its log is a bonus
            text = ""
        return text.strip() or "Azure reports the deployment failed and has no container log for it."

    # -- scoring ---------------------------------------------------------------------------------

    def invoke(self, endpoint: str, payload: Any, *, deployment: str | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> InvokeResult:
        """POST ``payload`` to the scoring URI with the primary key (pinned to ``deployment`` if given)."""
        import httpx

        check_endpoint_name(endpoint, kind="endpoint", field="endpoint")
        body = encode_payload(payload)
        ep = self._entity(endpoint)
        if deployment is not None:
            check_endpoint_name(deployment, kind="deployment", field="deployment")
            self.get_deployment(endpoint, deployment)
        elif not self._deployments(endpoint):
            raise ConflictError(_('Endpoint {endpoint} has no deployment yet; deploy a model first.').format(endpoint=endpoint),
                                details={"endpoint": endpoint})
        uri = str(getattr(ep, "scoring_uri", "") or "")
        if not uri:
            raise ConflictError(_('Endpoint {endpoint} has no scoring URI yet; it is still being created.').format(endpoint=endpoint),
                                details={"endpoint": endpoint})
        headers = {"Authorization": f"Bearer {self.keys(endpoint).primary_key}", "Content-Type": "application/json"}
        if deployment:
            headers[DEPLOYMENT_HEADER] = deployment
        started = time.perf_counter()
        try:
            response = _client().post(uri, content=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise UpstreamError(_('Endpoint {endpoint} did not answer within {timeout:g} s.').format(endpoint=endpoint, timeout=timeout),
                                details={"endpoint": endpoint}) from None
        except httpx.HTTPError as exc:
            raise UpstreamError(_(
                "Endpoint {endpoint}'s scoring URI could not be reached ({type_exc___name})."
            ).format(endpoint=endpoint, type_exc___name=type(exc).__name__),
                                details={"endpoint": endpoint}) from None
        latency = (time.perf_counter() - started) * 1000.0
        return InvokeResult(status_code=response.status_code, body=_parsed(response.content),
                            latency_ms=round(latency, 3), deployment=response.headers.get(DEPLOYMENT_HEADER))

    def curl(self, endpoint: str, payload: Any = None) -> str:
        """The seed's curl with the real scoring URI and primary key (the caller must not log it)."""
        check_endpoint_name(endpoint, kind="endpoint", field="endpoint")
        if payload is None:
            payload = {"data": []}
        else:
            encode_payload(payload)
        ep = self._entity(endpoint)
        return curl_command(str(ep.scoring_uri), self.keys(endpoint).primary_key, payload)


@functools.cache
def _client() -> Any:
    """One httpx client per process, trusting what the SDK trusts (``REQUESTS_CA_BUNDLE`` when set) and proxies."""
    import httpx

    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    verify: Any = ssl.create_default_context(cafile=bundle) if bundle else True
    return httpx.Client(verify=verify, trust_env=True)


def _parsed(content: bytes) -> Any:
    import json

    text = content.decode("utf-8", errors="replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _scoring_code(folder: Path, score_script: Path | None) -> str:
    """The code folder to upload: the user's script (as named) or the generated one, ``score.py``."""
    if score_script is not None:
        shutil.copy2(score_script, folder / score_script.name)
        return score_script.name
    text = resources.files(__package__).joinpath("score_template.py").read_text(encoding="utf-8")
    (folder / "score.py").write_text(text, encoding="utf-8")
    return "score.py"


def _model_ref(model: str) -> str:
    """``.../models/<name>/versions/<v>`` or ``azureml:<name>:<v>`` -> ``name:v``."""
    if "/models/" in model and "/versions/" in model:
        tail = model.split("/models/", 1)[1]
        name, _sep, version = tail.partition("/versions/")
        return f"{name}:{version.strip('/')}"
    return model.removeprefix("azureml:")


def _endpoint_record(entity: Any, deployments: list[Deployment]) -> Endpoint:
    state = _ENDPOINT_STATES.get(_state(entity), "Creating")
    context = getattr(entity, "creation_context", None)
    traffic = {str(k): int(v) for k, v in (getattr(entity, "traffic", None) or {}).items() if int(v) > 0}
    return Endpoint(
        name=str(entity.name),
        auth_mode=str(getattr(entity, "auth_mode", "key") or "key"),
        description=getattr(entity, "description", None) or None,
        scoring_uri=str(getattr(entity, "scoring_uri", "") or ""),
        status=state,  # type: ignore[arg-type]
        traffic=traffic,
        deployments=tuple(sorted(deployments, key=lambda d: d.name)),
        created_at=epoch(getattr(context, "created_at", None))
        or epoch((getattr(entity, "properties", None) or {}).get("createdAt"))  # where the SDK puts it for endpoints
        or 0.0,
    )


def _state(entity: Any) -> str:
    """The provisioning state as Azure spells it (the SDK gives deployments' as an enum, endpoints' as text)."""
    value = getattr(entity, "provisioning_state", None)
    return str(getattr(value, "value", value) or "Creating")


def _no_endpoint(name: str) -> NotFoundError:
    return NotFoundError(_('There is no endpoint named {name!r}.').format(name=name), details={"endpoint": name})


def _wait(poller: Any) -> Any:
    """Wait for a long-running operation; its poller thread's progress dots are dropped, not printed."""
    mute_thread(poller)
    return poller.result()
