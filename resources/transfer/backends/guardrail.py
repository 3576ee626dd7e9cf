"""NVIDIA's Cosmos guardrail: on by default, off only by an explicit setting, and recorded.

The NVIDIA Open Model License expects the guardrail (the ``cosmos_guardrail`` package: a
prompt blocklist and classifier, a video content filter and face blur) on Cosmos outputs.
diffusers' Cosmos pipelines load it themselves when the package is installed. Where it
cannot be installed, running without it is a setting a person turns off on purpose
(``FACTORY_TRANSFER_GUARDRAIL=false``), and every row made that way says ``guardrail=off``.
"""
from __future__ import annotations

import functools
import importlib.util

PACKAGE = "cosmos_guardrail"
ON, OFF, NOT_APPLICABLE = "cosmos_guardrail", "off", "n/a"
SETTING = "FACTORY_TRANSFER_GUARDRAIL (TransferResource.guardrail)"


class GuardrailMissing(RuntimeError):
    """The guardrail is on (the default) but its package is not installed."""


def installed() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


def guardrail_label(enabled: bool, backend: str) -> str:
    """What rows record: ``cosmos_guardrail`` or ``off``. Raises GuardrailMissing, naming the
    setting, when the guardrail is on and its package is missing."""
    if not enabled:
        return OFF
    if not installed():
        raise GuardrailMissing(
            f"{backend}: {SETTING} is true (the default), but the {PACKAGE} package is not installed. "
            f"Install it (pip install {PACKAGE}; it needs CUDA and downloads its own models), "
            f"or set FACTORY_TRANSFER_GUARDRAIL=false to run without it; every row made then records guardrail='off'."
        )
    return ON


def no_guardrail() -> object:
    """The stand-in the Transfer 2.5 pipeline is handed when the guardrail is off by setting:
    it passes every prompt and every video through unchanged. (The pipeline refuses to run
    with no safety checker object at all, so switching it off takes an object.)"""
    return _guardrail_off_class()()


@functools.cache
def _guardrail_off_class() -> type:
    # Built on first use so that importing this module does not import torch and diffusers.
    import torch
    from diffusers.configuration_utils import ConfigMixin
    from diffusers.models.modeling_utils import ModelMixin

    class GuardrailOff(ModelMixin, ConfigMixin):
        def __init__(self):
            super().__init__()
            # A buffer so .to(device) and the pipeline's device bookkeeping have something to move.
            self.register_buffer("_device_tracker", torch.zeros(1), persistent=False)

        def check_text_safety(self, prompt: str) -> bool:
            return True

        def check_video_safety(self, frames):
            return frames

    return GuardrailOff
