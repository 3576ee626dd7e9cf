"""Transfer backends: ``procedural`` (no weights, CPU), ``cosmos-transfer2.5`` and ``cosmos3``
(diffusers, real weights from a local directory or a hub id; docs/cosmos.md)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from resources.registry import Registry

if TYPE_CHECKING:
    from resources.transfer.backends.cosmos_base import CosmosTransferSettings
    from resources.transfer.engine import TransferEngine

BACKENDS = Registry(
    "transfer backend",
    {
        "procedural": "resources.transfer.backends.procedural:ProceduralTransfer",
        "cosmos-transfer2.5": "resources.transfer.backends.cosmos_transfer25:CosmosTransfer25",
        "cosmos3": "resources.transfer.backends.cosmos3:Cosmos3Transfer",
    },
)


def make_engine(backend: str, settings: CosmosTransferSettings | None = None) -> TransferEngine:
    """The engine for a backend name. The Cosmos backends take their settings (model, device,
    controls, guardrail...); building one checks them but loads no weights - the model loads
    on the first clip, once per process."""
    cls = BACKENDS.load(backend)
    if backend == "procedural":
        return cls()
    from resources.transfer.backends.cosmos_base import CosmosTransferSettings

    return cls(settings or CosmosTransferSettings())


def build_transfer(settings: dict) -> TransferEngine:
    """The engine of TransferResource's fields."""
    backend = settings.get("backend", "procedural")
    if backend == "procedural":
        return make_engine(backend)
    from resources.transfer.backends.cosmos_base import CosmosTransferSettings

    return make_engine(backend, CosmosTransferSettings(**{k: v for k, v in settings.items() if k != "backend"}))
