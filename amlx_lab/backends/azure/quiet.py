"""Keep azure-ai-ml's chatter out of the user's output (a cell, a terminal, the server log).

The SDK is noisy in three ways, each handled where it comes from:

* Experimental-class banners ("Class XSchema: This is an experimental class")
  and info lines go through loggers under ``azure.ai.ml``. Importing
  ``azure.ai.ml`` sets that logger to INFO with its own stderr handler, so
  ``configure_logging`` (called once the SDK is imported) raises it to ERROR;
  azure-identity's and azure-core's loggers, whose failures we report
  ourselves, are raised too unless the user already gave them a level.
* Deprecation warnings from its marshmallow schemas: a warnings filter scoped
  to those modules.
* A few direct writes to ``sys.stderr`` around uploads (a colour-reset code).
  ``quiet_streams()`` wraps the calls that upload. While any thread is inside
  it, ``sys.stdout``/``sys.stderr`` are a router that drops what *that* thread
  writes and passes every other thread's writes through unchanged (a kernel's
  other output, a live display thread); the original streams come back when
  the last such block ends. Nothing is redirected process-wide for anyone else.
* A dot per poll from a long-running operation's poller thread, which runs on
  after the call that started it when amlx does not wait for it (a deployment
  takes Azure 10 to 20 minutes): ``mute_thread(poller)`` treats that thread as
  quiet for its life, with the router in place until it ends.
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

log = logging.getLogger("amlx_lab.azure")

#: Loggers whose warnings are the SDK's business, not the user's (we turn failures into sentences).
_QUIET_LOGGERS = (
    "azure.identity",
    "azure.core.pipeline.policies.http_logging_policy",
    "azureml",
)

_configured: set[str] = set()
_configure_lock = threading.Lock()


def configure_logging(*, sdk: bool = False) -> None:
    """Quiet azure-identity's and azure-core's loggers and the SDK's warnings (once per process); with
    ``sdk``, also import ``azure.ai.ml`` and raise its logger, which that import sets to INFO."""
    with _configure_lock:
        if sdk and "sdk" not in _configured:
            import azure.ai.ml  # noqa: F401 - its import sets the level overridden here

            logging.getLogger("azure.ai.ml").setLevel(logging.ERROR)
            _drop_polling_dots()
            _configured.add("sdk")
        if "base" in _configured:
            return
        _configured.add("base")
        for name in _QUIET_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET:
                logger.setLevel(logging.ERROR)
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category, module=r"(azure\.ai\.ml|marshmallow)(\.|$)")


def _is_poller_thread() -> bool:
    """azure-core names an LRO poller's thread ``LROPoller(<uuid>)``: its dots are never the user's output,
    even in the moment between the poller starting and ``mute_thread`` registering it."""
    return threading.current_thread().name.startswith("LROPoller")


def _drop_polling_dots() -> None:
    """``AzureMLPolling.update_status`` prints a dot per poll from whichever thread polls, at times no
    quiet block covers (the dots reached ``amlx --json`` output). The dots, and nothing else that
    module prints, are dropped process-wide: an SDK call of the user's own in the kernel polls silently too."""
    try:
        from azure.ai.ml._utils import _azureml_polling
    except ImportError:  # a private module: a future SDK may not have it
        return

    def quiet_print(*values: Any, **options: Any) -> None:
        if values == (".",):
            return
        print(*values, **options)

    _azureml_polling.print = quiet_print  # type: ignore[attr-defined]


class _Router:
    """Stands in for ``sys.stdout``/``sys.stderr``: drops writes of quiet threads, forwards the rest."""

    def __init__(self, target: TextIO, name: str) -> None:
        self._target = target
        self._name = name

    def write(self, text: str) -> int:
        if getattr(_state, "quiet", 0) or threading.get_ident() in _muted or _is_poller_thread():
            if text.strip():
                log.debug("azure-ai-ml wrote to %s: %r", self._name, text[:200])
            return len(text)
        return self._target.write(text)

    def flush(self) -> None:
        if not getattr(_state, "quiet", 0) and threading.get_ident() not in _muted:
            self._target.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno... of the real stream
        return getattr(self._target, name)


_state = threading.local()
_streams_lock = threading.Lock()
_depth = 0
_installed: list[tuple[str, TextIO, _Router]] = []  # (stream name, what it replaced, the router)
_muted: set[int] = set()


@contextmanager
def quiet_streams() -> Iterator[None]:
    """Drop what this thread writes to stdout/stderr inside the block; other threads are unaffected."""
    _route()
    _state.quiet = getattr(_state, "quiet", 0) + 1
    try:
        yield
    finally:
        _state.quiet -= 1
        _unroute()


def mute_thread(poller: Any) -> None:
    """Drop what an LRO poller's background thread writes, for as long as it runs (nothing if it has none).

    azure-core keeps the thread as ``LROPoller._thread``; a poller without one has finished already.
    """
    thread = getattr(poller, "_thread", None)
    if not isinstance(thread, threading.Thread) or not thread.is_alive() or thread.ident is None:
        return
    ident = thread.ident
    _route()
    with _streams_lock:
        _muted.add(ident)

    def release() -> None:
        thread.join()
        with _streams_lock:
            _muted.discard(ident)
        _unroute()

    threading.Thread(target=release, name="amlx-mute-poller", daemon=True).start()


def _route() -> None:
    """Put a router in front of stdout and stderr unless one is there (a stream swapped meanwhile gets its own)."""
    global _depth
    with _streams_lock:
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if not isinstance(current, _Router):
                router = _Router(current, name)
                _installed.append((name, current, router))
                setattr(sys, name, router)
        _depth += 1


def _unroute() -> None:
    global _depth
    with _streams_lock:
        _depth -= 1
        if _depth == 0:
            # put back only what is still ours: someone who swapped a stream meanwhile keeps theirs
            for name, original, router in reversed(_installed):
                if getattr(sys, name) is router:
                    setattr(sys, name, original)
            _installed.clear()
