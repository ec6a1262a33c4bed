"""Sweep jobs' domain logic, independent of where trials run.

``space`` holds Azure ML's search-space expressions (their exact meaning and
their text form), ``settings`` the rest of a sweep's description (objective,
sampling algorithm, early-termination policy, limits), ``sampling`` turns a
description into trial points, and ``policies`` decides from logged metric
values which trials stop early. Nothing here does I/O; numpy, scipy and
optuna are imported only by the functions that need them.
"""
