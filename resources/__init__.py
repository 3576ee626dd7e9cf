"""Engines of the factory: plain Python that never imports Dagster, one package per concern.

``lake/`` (tables, blobs, write-audit-publish, releases, maintenance, lineage), ``media/``
(codec, geometry, GPU), ``sources/`` (landing zone, ingest, simulator), ``execution/`` (where
the heavy stages run) and one package per stage - ``curation/``, ``planning/``, ``transfer/``,
``evaluation/``, ``tokenization/`` - each with ``engine.py``, ``stage.py``, ``commit.py`` and
``backends/``. Dagster sees them through ``dagster_project/``; the Spark jobs use them directly.
"""
