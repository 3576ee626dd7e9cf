"""PySpark entry points that run the engines in ``resources/`` at scale (mapInArrow),
launched through Dagster Pipes. The in-process path in ``assets/`` is the reference."""
