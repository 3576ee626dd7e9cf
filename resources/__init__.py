"""Engines of the factory: plain Python classes usable without Dagster.

Each module holds one engine (the lake, the video codec, the simulator, the curator, the
transfer backends, the evaluator, the tokenizer). Dagster sees them through the
ConfigurableResources in ``resources.dagster``.
"""
