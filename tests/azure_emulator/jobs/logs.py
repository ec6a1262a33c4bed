"""A job's output, written to a local file and appended to ``user_logs/std_log.txt`` in Azurite as it grows."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import IO

from ..blobs import AppendLog


class LogPump:
    """Reads a process's combined stdout/stderr in a thread; ``flush()`` ships what arrived to the blob."""

    def __init__(self, stream: IO[bytes], local: Path, sink: AppendLog) -> None:
        self._stream, self._sink = stream, sink
        self._local = open(local, "ab")  # noqa: SIM115 (open for the process's lifetime; close() closes it)
        self._pending = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name=f"log-{local.parent.name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        fd = self._stream.fileno()
        while chunk := os.read(fd, 65536):
            with self._lock:
                self._local.write(chunk)
                self._local.flush()
                self._pending += chunk

    def flush(self) -> None:
        with self._lock:
            data, self._pending = bytes(self._pending), bytearray()
        if data:
            self._sink.append(data)

    def close(self) -> None:
        """Wait for end of output (the process has exited), then ship the rest."""
        self._reader.join()
        self.flush()
        self._local.close()
        self._stream.close()
