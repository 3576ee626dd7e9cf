"""PySpark entry points that run the engines in ``resources/`` at scale (mapInArrow), launched
through Dagster Pipes. Each job commits through its stage's ``commit.py``, as the in-process
stage does; they import ``resources/`` only (import-linter checks it)."""
