"""``%aml register``, ``deploy``, ``invoke`` and ``endpoints``: from a job's model to a scoring endpoint.

A target without a model registry or endpoints answers with the facade's
409 sentence, printed as one line like every other user error.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from .. import render
from ..errors import ValidationError
from ..i18n import _
from .arguments import parser_options, variable_name
from .display import Rich, pre
from .payloads import parse_model, payload_from_text, payload_from_value

if TYPE_CHECKING:
    from .magic import Aml


@magic_arguments("aml register")
@parser_options(_("Register a file a job wrote as the next version of a model."))
@argument("name", metavar="NAME", help=_("model name"))
@argument("--job", required=True, metavar="J", help=_("the job that wrote the model"))
@argument(
    "--path", metavar="P",
    help=_("the model in the job: outputs/model.pkl, or mlflow:model for what autolog logged (default: the only candidate)"),
)
@argument("--description", metavar="TEXT", help=_("a note kept with the version"))
def cmd_register(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    if not args.name.strip():
        raise ValidationError("name the model.", field="name")
    return aml.workspace.models().register_model(args.name, job=args.job, path=args.path, description=args.description)


@magic_arguments("aml deploy")
@parser_options(_("Deploy a registered model to an online endpoint (created if it does not exist)."))
@argument("model", metavar="MODEL[:VERSION|@ALIAS]", help=_("model name, optionally with a version (default: latest)"))
@argument("--endpoint", required=True, metavar="E", help=_("endpoint name"))
@argument("--deployment", metavar="D", help=_("deployment name (default: chosen by the target)"))
@argument("--timeout", type=float, default=600.0, metavar="S", help=_("seconds to wait until it is ready (default 600)"))
@argument("--instance-type", metavar="SIZE", help=_("VM size on Azure ML (default: the settings', else Standard_DS3_v2)"))
@argument("--instance-count", type=int, metavar="N", help=_("number of instances on Azure ML (default: the settings', else 1)"))
def cmd_deploy(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    parse_model(args.model)
    return aml.workspace.deploy(
        args.model, endpoint=args.endpoint, deployment=args.deployment, wait=args.timeout,
        instance_type=args.instance_type, instance_count=args.instance_count,
    )


@magic_arguments("aml invoke")
@parser_options(
    "Score data with an online endpoint. The request body is --data (JSON), --data-var (a DataFrame "
    'becomes {"data": [records]}), or the cell body under %%aml invoke.'
)
@argument("endpoint", metavar="ENDPOINT", help=_("endpoint name"))
@argument("--data", metavar="JSON", help=_('request body as JSON, e.g. \'{{"data": [{{"Age": 22}}]}}\'').format())
@argument("--data-var", metavar="VAR", help=_("a notebook variable: DataFrame, dict, list or array"))
@argument("--deployment", metavar="D", help=_("send to this deployment instead of following the traffic split"))
@argument("-o", "--out", metavar="VAR", help=_("store the response in this variable instead of showing it"))
def cmd_invoke(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    out = variable_name(args.out)
    payload = _payload(aml, args, cell)
    return aml.result(out, aml.workspace.endpoints().invoke(args.endpoint, payload, deployment=args.deployment))


def _payload(aml: Aml, args: argparse.Namespace, cell: str | None) -> dict[str, Any]:
    """The request body from exactly one of ``--data``, ``--data-var`` or the cell body."""
    given = [s for s in (args.data is not None, args.data_var is not None, bool(cell and cell.strip())) if s]
    if len(given) != 1:
        raise ValidationError("give the request body once: --data JSON, --data-var VAR or the cell body.", field="--data")
    if args.data is not None:
        return payload_from_text(args.data, "--data")
    if args.data_var is not None:
        if args.data_var not in aml.ipython.user_ns:
            raise ValidationError(_("no variable named {name!r} in the notebook.").format(name=args.data_var), field="--data-var")
        return payload_from_value(aml.ipython.user_ns[args.data_var], args.data_var)
    return payload_from_text(cell or "", "the cell body")


@magic_arguments("aml endpoints")
@parser_options(_("List online endpoints with their deployments, traffic and scoring URLs."))
def cmd_endpoints(aml: Aml, args: argparse.Namespace, cell: str | None) -> Any:
    endpoints = aml.workspace.endpoints().list_endpoints()
    text = render.endpoints_text(endpoints)
    return Rich(text, pre(text), endpoints)
