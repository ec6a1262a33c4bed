"""AutoML jobs in Azure ML's words: the vocabulary (``settings``), and the local engine that runs one.

``settings`` is light (pydantic only) and is what the spec, the facade and the
front ends import. Everything else here runs inside the job's process
(``python -m amlx_lab.automl``) and imports FLAML, scikit-learn and MLflow
lazily, so nothing heavy loads in the Jupyter server.
"""
