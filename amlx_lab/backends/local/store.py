"""The workspace index: one SQLite file in WAL mode shared by every process.

Why SQLite in WAL mode: the server, the ``%aml`` magic, the CLI and one
supervisor per job all read and write it at the same time; WAL lets readers
run while a writer commits, and ``BEGIN IMMEDIATE`` takes the write lock up
front so two writers queue on the busy timeout instead of failing. The schema
version lives in ``PRAGMA user_version`` and migrations run forward only.

Every change to a job bumps one global ``revision`` counter inside the same
transaction, so "which jobs changed since revision R" is an indexed range scan
(the change feed's cursor encodes R; nothing above the backend sees the number).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import ConflictError
from .filter_sql import register_functions
from ...i18n import _

BUSY_TIMEOUT_MS = 30_000

_SCHEMA_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('revision', 0);

CREATE TABLE jobs (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,  -- submission order
    name                 TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    experiment           TEXT NOT NULL,
    status               TEXT NOT NULL,
    compute              TEXT NOT NULL,
    compute_slots        INTEGER NOT NULL,
    environment          TEXT NOT NULL,
    command              TEXT NOT NULL,                -- JSON list: the exact argv
    parameters           TEXT NOT NULL DEFAULT '{}',   -- JSON
    inputs               TEXT NOT NULL DEFAULT '[]',   -- JSON list of JobInput
    tags                 TEXT NOT NULL DEFAULT '{}',   -- JSON
    manifest             TEXT,                         -- JSON or NULL
    cancel_grace         REAL NOT NULL,
    created_at           REAL NOT NULL,
    started_at           REAL,
    ended_at             REAL,
    exit_code            INTEGER,
    error                TEXT,
    slot                 INTEGER,
    supervisor_pid       INTEGER,
    supervisor_start     INTEGER,                      -- /proc start time: guards PID reuse
    child_pid            INTEGER,                      -- also the child's process group
    child_start          INTEGER,
    cancel_requested_at  REAL,
    mlflow_run_id        TEXT,
    mlflow_experiment_id TEXT,
    revision             INTEGER NOT NULL
);
CREATE INDEX jobs_by_revision   ON jobs (revision);
CREATE INDEX jobs_by_experiment ON jobs (experiment, seq);
CREATE INDEX jobs_by_status     ON jobs (status, seq);
CREATE INDEX jobs_by_started    ON jobs (started_at);   -- the rowid (seq) is the tie-breaker
CREATE INDEX jobs_by_ended      ON jobs (ended_at);
CREATE INDEX jobs_by_display    ON jobs (display_name);

-- Latest value per job and metric key, copied from MLflow by the supervisor.
CREATE TABLE job_metrics (
    job_seq   INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    value     REAL,                                    -- NULL for NaN
    step      INTEGER NOT NULL DEFAULT 0,
    timestamp INTEGER NOT NULL DEFAULT 0,              -- ms, as MLflow stores it
    PRIMARY KEY (job_seq, key)
) WITHOUT ROWID;
CREATE INDEX job_metrics_by_key_value ON job_metrics (key, value, job_seq);

CREATE TABLE job_params (
    job_seq INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (job_seq, key)
) WITHOUT ROWID;

CREATE TABLE data_assets (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,     -- registration order: "latest"
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    type        TEXT NOT NULL,
    path        TEXT NOT NULL,
    source      TEXT,
    description TEXT,
    size        INTEGER NOT NULL,
    created_at  REAL NOT NULL,
    UNIQUE (name, version)
);
CREATE INDEX data_assets_by_name ON data_assets (name, seq);
"""

# Version 2: the model registry and online endpoints (issue 5). Only adds
# tables, so a version-1 workspace keeps its jobs and data as they are.
_SCHEMA_V2 = """
CREATE TABLE models (
    name        TEXT PRIMARY KEY,
    description TEXT,                                  -- of the newest version that has one
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);

CREATE TABLE model_versions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL REFERENCES models (name) ON DELETE CASCADE,
    version       INTEGER NOT NULL,                    -- 1, 2, ... per name
    job           TEXT,                                -- the job it was registered from
    source        TEXT NOT NULL,                       -- outputs/model.pkl, mlflow:model
    format        TEXT NOT NULL,                       -- mlflow, pickle, joblib, skops
    path          TEXT NOT NULL,                       -- the immutable copy (a folder)
    size          INTEGER NOT NULL,
    description   TEXT,
    tags          TEXT NOT NULL DEFAULT '{}',          -- JSON
    input_columns TEXT,                                -- JSON [{name, type}] or NULL
    example       TEXT,                                -- JSON request body or NULL
    mlflow_run_id TEXT,
    created_at    REAL NOT NULL,
    UNIQUE (name, version)
);

CREATE TABLE endpoints (
    name        TEXT PRIMARY KEY,
    auth_mode   TEXT NOT NULL,
    description TEXT,
    port        INTEGER NOT NULL,                      -- the scoring URI's port, fixed for the endpoint's life
    traffic     TEXT NOT NULL DEFAULT '{}',            -- JSON {deployment: percent}
    deleting    INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL
);

CREATE TABLE deployments (
    endpoint         TEXT NOT NULL REFERENCES endpoints (name) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    model_name       TEXT NOT NULL,
    model_version    TEXT NOT NULL,
    model_path       TEXT NOT NULL,
    score_script     TEXT,                             -- the deployment's snapshot of score.py
    port             INTEGER NOT NULL,                 -- its own port, kept across restarts while free
    desired          TEXT NOT NULL DEFAULT 'running',  -- running | deleted
    status           TEXT NOT NULL,                    -- Creating, Succeeded, Failed, Restarting, Stopped
    server_pid       INTEGER,
    restarts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    started_at       REAL,
    supervisor_pid   INTEGER,
    supervisor_start INTEGER,                          -- /proc start time: guards PID reuse
    spawned_at       REAL,
    created_at       REAL NOT NULL,
    PRIMARY KEY (endpoint, name)
);
"""

# Version 3: job kinds (a sweep or AutoML parent and its trials), target-neutral
# job fields, and deployments whose traffic is applied once they are ready.
# ``environment`` held the interpreter path, which is a local detail: it becomes
# ``interpreter``, and ``environment`` now holds an environment reference.
_SCHEMA_V3 = """
ALTER TABLE jobs RENAME COLUMN environment TO interpreter;
ALTER TABLE jobs ADD COLUMN environment TEXT;
ALTER TABLE jobs ADD COLUMN type TEXT NOT NULL DEFAULT 'command';
ALTER TABLE jobs ADD COLUMN parent TEXT;
ALTER TABLE jobs ADD COLUMN updated_at REAL;
CREATE INDEX jobs_by_parent ON jobs (parent, seq);
ALTER TABLE deployments ADD COLUMN requested_traffic INTEGER;   -- share to apply once ready, then NULL
ALTER TABLE deployments ADD COLUMN requested_alone INTEGER NOT NULL DEFAULT 0;  -- the endpoint's first deployment
"""

# Version 4: managing runs and models as people do: a run's description and
# archived flag, a model version's archived flag, and model aliases (one version
# per alias and model). Tags already had their column.
_SCHEMA_V4 = """
ALTER TABLE jobs ADD COLUMN description TEXT;
ALTER TABLE jobs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE model_versions ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
CREATE TABLE model_aliases (
    name    TEXT NOT NULL REFERENCES models (name) ON DELETE CASCADE,
    alias   TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias)
);
"""

# Index i holds the script that brings the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (_SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3, _SCHEMA_V4)
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL and a long busy timeout."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    register_functions(conn)  # the runs filter's number and pattern tests
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # FULL: a commit survives a power cut too, not only a crash; writes are rare (status changes).
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to ``SCHEMA_VERSION``; safe when several processes open a new workspace at once."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise ConflictError(
            _("The workspace index {path} has schema version {version}, newer than this amlx-lab understands "
              "({SCHEMA_VERSION}). Upgrade amlx-lab or use another workspace folder.").format(
                path=path, version=version, SCHEMA_VERSION=SCHEMA_VERSION)
        )
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")  # persistent in the file; cannot run inside a transaction
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        for script in MIGRATIONS[version:]:
            for statement in _statements(script):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> Iterator[str]:
    """Split a schema script into statements (``executescript`` would commit our transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""


class Store:
    """A thread-safe handle on the index: one connection, serialised by a lock.

    One connection per ``Store`` keeps things simple and is plenty for the
    request rates of one user; cross-process safety comes from SQLite itself.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect(path)
        self._lock = threading.RLock()
        with self._lock:
            _migrate(self._conn, path)
            self._plan_statistics()

    def _plan_statistics(self) -> None:
        """Give the query planner statistics once the index is big enough for plans to matter.

        Without them SQLite may sort a whole experiment instead of walking the
        index of the sort column; ``PRAGMA optimize`` on close keeps them fresh.
        """
        if self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return
        if self._conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] >= 1000:
            self.analyze()

    def analyze(self) -> None:
        with self._lock:
            self._conn.execute("ANALYZE")

    def close(self) -> None:
        with self._lock:
            try:
                self._conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self._conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """A write transaction holding the database write lock from its first statement."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | list | dict = ()) -> list[sqlite3.Row]:
        """One SELECT outside any explicit transaction."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def revision(self) -> int:
        return int(self.query("SELECT value FROM meta WHERE key = 'revision'")[0][0])


class Transaction:
    """The connection inside ``Store.write``, plus the revision bump every job change needs."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple | list | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def next_revision(self) -> int:
        """A new revision for one changed job row.

        Each row change gets its own number, so "changed since R" can be paged
        without ever splitting a revision; write transactions are serialised by
        SQLite, so numbers become visible in increasing order.
        """
        row = self.conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value").fetchone()
        return int(row[0])
