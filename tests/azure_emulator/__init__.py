"""A loopback Azure Machine Learning workspace for tests.

An HTTPS server on 127.0.0.1 that answers the requests the real ``azure-ai-ml`` and ``azureml-mlflow``
clients send (ARM resources, workspace discovery, run history, the MLflow REST API, online endpoints),
with Azurite for blob storage, and that runs the command jobs it receives as local processes. It is test
infrastructure: nothing here ships in the wheel. ``README.md`` beside this file says what is emulated.
"""
