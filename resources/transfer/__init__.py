"""The transfer stage: kept clips re-rendered under the plan's recipes (transferred_variants).

``engine.py`` is the TransferEngine interface, ``stage.py`` turns a clip and its recipes into
variant rows, ``commit.py`` commits them, ``backends/`` holds the engines (procedural, Cosmos).
"""
from resources.transfer.backends import make_engine
from resources.transfer.engine import ClipMedia, Recipe, TransferEngine, TransferError, TransferOutput

__all__ = ["ClipMedia", "Recipe", "TransferEngine", "TransferError", "TransferOutput", "make_engine"]
