"""Azure ML target through azure-ai-ml and azure-identity (imported lazily)."""

from .backend import AzureBackend

__all__ = ["AzureBackend"]
