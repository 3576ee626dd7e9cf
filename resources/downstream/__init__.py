"""Downstream evaluation: does the factory's data help a model? Labels from the simulator's
ground truth carried through transfer, a small segmentation model trained on three arms at
equal compute, and a held-out test whose shift the renderer makes (docs/downstream.md)."""
