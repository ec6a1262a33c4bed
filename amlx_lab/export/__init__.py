"""Jobs, endpoints and deployments as Azure ML CLI v2 YAML and a GitHub Actions workflow, from our own records."""

from .automl_job import AutoMLSource, write_automl_job
from .bundle import EndpointSource, JobSource, write_endpoint, write_job
from .job_yaml import DataInput
from .workflow import ModelSource

__all__ = ["AutoMLSource", "DataInput", "EndpointSource", "JobSource", "ModelSource", "write_automl_job", "write_endpoint", "write_job"]
