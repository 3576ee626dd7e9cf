"""Curation's model backends: clip embedders (for semantic dedup) and captioners.

The weight-free default of each needs no download; the model backends load a local directory
or a hub id at a revision through transformers.
"""
from __future__ import annotations

from typing import Any

from resources.registry import Registry

EMBEDDERS = Registry(
    "embedder backend",
    {
        "descriptor": "resources.curation.backends.embedders:DescriptorEmbedder",
        "transformers": "resources.curation.backends.embedders:TransformersImageEmbedder",
    },
)
CAPTIONERS = Registry(
    "captioner backend",
    {
        "template": "resources.curation.backends.captioners:TemplateCaptioner",
        "vlm": "resources.curation.backends.captioners:VlmCaptioner",
    },
)
# The backends that take no model (every other one needs ``model``).
_WEIGHT_FREE = {"descriptor", "template"}


def _make(registry: Registry, backend: str, model: str | None, revision: str | None, device: str) -> Any:
    cls = registry.load(backend)
    if backend in _WEIGHT_FREE:
        return cls()
    if not model:
        raise ValueError(f"the {backend} {registry.kind.split()[0]} needs a model: a local directory or a hub id")
    return cls(model, revision=revision, device=device)


def make_embedder(backend: str, model: str | None = None, revision: str | None = None, device: str = "cpu") -> Any:
    return _make(EMBEDDERS, backend, model, revision, device)


def make_captioner(backend: str, model: str | None = None, revision: str | None = None, device: str = "cpu") -> Any:
    return _make(CAPTIONERS, backend, model, revision, device)


def build_embedder(settings: dict) -> Any:
    """The embedder of EmbedderResource's fields."""
    return make_embedder(settings.get("backend", "descriptor"), settings.get("model"), settings.get("revision"), settings.get("device", "cpu"))


def build_captioner(settings: dict) -> Any:
    """The captioner of CaptionerResource's fields."""
    return make_captioner(settings.get("backend", "template"), settings.get("model"), settings.get("revision"), settings.get("device", "cpu"))
