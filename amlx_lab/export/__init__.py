"""Jobs, endpoints and deployments as Azure ML CLI v2 YAML and a GitHub Actions workflow, from our own records."""

from .bundle import EndpointSource, JobSource, write_endpoint, write_job
from .job_yaml import DataInput
from .workflow import ModelSource

__all__ = ["DataInput", "EndpointSource", "JobSource", "ModelSource", "write_endpoint", "write_job"]
