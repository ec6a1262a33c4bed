"""The embedded local workspace: real processes, a SQLite index and an MLflow store in one folder."""

from .backend import LocalBackend

__all__ = ["LocalBackend"]
