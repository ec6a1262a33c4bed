"""Deployments served for real: each one a process answering its scoring requests with the model it was given."""
