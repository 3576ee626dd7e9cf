"""Transfer backends: re-render a clip under a recipe (condition, parameters, seed)."""
from resources.transfer.base import ClipMedia, Recipe, TransferEngine, TransferError, TransferOutput, make_engine

__all__ = ["ClipMedia", "Recipe", "TransferEngine", "TransferError", "TransferOutput", "make_engine"]
