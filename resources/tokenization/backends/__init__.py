"""Tokenizer backends: ``dct`` (classical, no weights) and the learned video VAEs loaded through
diffusers - ``cosmos-cv8x8x8``, ``wan2.1``, ``vidtok-fsq`` (docs/cosmos.md)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from resources.registry import Registry

if TYPE_CHECKING:
    from resources.tokenization.backends.video_vae import VaeSettings
    from resources.tokenization.engine import Tokenizer

BACKENDS = Registry(
    "tokenizer backend",
    {
        "dct": "resources.tokenization.backends.dct:DctTokenizer",
        "cosmos-cv8x8x8": "resources.tokenization.backends.cosmos_cv:CosmosCV8x8x8Tokenizer",
        "wan2.1": "resources.tokenization.backends.wan:Wan21Tokenizer",
        "vidtok-fsq": "resources.tokenization.backends.vidtok:VidTokFsqTokenizer",
    },
)


def make_tokenizer(backend: str, settings: VaeSettings | None = None) -> Tokenizer:
    """The tokenizer for a backend name. The learned ones take their settings (model,
    device, dtype, batch, chunking); building one loads no weights - the model loads on the
    first clip, once per process."""
    cls = BACKENDS.load(backend)
    if backend == "dct":
        return cls()
    from resources.tokenization.backends.video_vae import VaeSettings

    return cls(settings or VaeSettings())


def build_tokenizer(settings: dict) -> Tokenizer:
    """The tokenizer of TokenizerResource's fields (the shard settings are the stage's, not its)."""
    backend = settings.get("backend", "dct")
    if backend == "dct":
        return make_tokenizer(backend)
    from resources.tokenization.backends.video_vae import VaeSettings

    return make_tokenizer(backend, VaeSettings(**{k: v for k, v in settings.items() if k in VaeSettings.__dataclass_fields__}))
