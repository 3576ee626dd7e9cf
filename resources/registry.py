"""Backends by name, one registry style for every stage.

A registry maps a backend name to ``"module:attribute"`` and imports the module only when that
backend is asked for, so choosing the weight-free default never imports torch or diffusers,
and a stage's engine module never imports its own backends (which import it back).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class Registry:
    """The backends of one kind (``"transfer backend"``, ``"embedder"`` ...)."""

    def __init__(self, kind: str, entries: dict[str, str]):
        self.kind = kind
        self.entries = dict(entries)

    def names(self) -> tuple[str, ...]:
        return tuple(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def load(self, name: str) -> Callable[..., Any]:
        """The class or function registered under ``name``."""
        if name not in self.entries:
            raise ValueError(f"unknown {self.kind} {name!r}; available: {', '.join(self.entries)}")
        module, attribute = self.entries[name].split(":")
        return getattr(importlib.import_module(module), attribute)

    def create(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.load(name)(*args, **kwargs)
