"""How ``%aml`` results look: HTML in JupyterLab, text in a terminal IPython.

The record renderings themselves live in :mod:`amlx_lab.render` (the CLI
shares them); this module only wraps them in objects IPython knows how to
display and teaches IPython's formatters about the facade's records, so a
record kept in a variable renders the same way later.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from .. import render
from ..records import DataAsset, Endpoint, InvokeResult, Job, ModelVersion, WorkspaceInfo


class Rich:
    """A result that renders as HTML in JupyterLab and as text in a terminal; ``value`` is the data."""

    def __init__(self, text: str, html: str, value: Any = None) -> None:
        self.text, self.html, self.value = text, html, value

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


class JobView:
    """A job with a hint under it (how to follow it); what ``%%aml submit`` shows and keeps updating."""

    def __init__(self, job: Job, note: str) -> None:
        self.job, self.note = job, note

    def _repr_html_(self) -> str:
        return render.job_html(self.job, note=self.note)

    def __repr__(self) -> str:
        return render.job_text(self.job) + "\n" + self.note


def one_line(text: str) -> str:
    """Whitespace folded to single spaces: an error is printed as exactly one line."""
    return " ".join(text.split())


def pre(text: str) -> str:
    """Preformatted HTML for records that have only a text rendering so far (models, endpoints)."""
    return f"<pre>{html.escape(text)}</pre>"


def _plain(render_text: Callable[[Any], str]) -> Callable[[Any, Any, bool], None]:
    """An IPython pretty-printer from a text renderer."""

    def printer(obj: Any, p: Any, cycle: bool) -> None:
        p.text(render_text(obj))

    return printer


def register_formatters(ipython: Any) -> None:
    """Records render as HTML in JupyterLab and as text in a terminal, wherever they are displayed."""
    formatters = ipython.display_formatter.formatters
    html, plain = formatters["text/html"], formatters["text/plain"]
    html.for_type(Job, render.job_html)
    plain.for_type(Job, _plain(render.job_text))
    html.for_type(WorkspaceInfo, render.workspace_html)
    plain.for_type(WorkspaceInfo, _plain(render.workspace_text))
    html.for_type(DataAsset, lambda asset: render.data_html([asset]))
    plain.for_type(DataAsset, _plain(render.data_asset_text))
    for record_type, text in ((ModelVersion, render.model_version_text), (Endpoint, render.endpoint_text),
                              (InvokeResult, render.invoke_text)):
        html.for_type(record_type, lambda obj, text=text: pre(text(obj)))
        plain.for_type(record_type, _plain(text))
