"""Targets behind the workspace facade: ``local`` (embedded) and ``azure``."""
