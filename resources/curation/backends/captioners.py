"""Captions and measured conditions for each clip.

The default captioner needs no weights: it writes what is known (the sim scene's parameters,
the measured brightness and motion, the source). A VLM backend (Qwen2.5-VL, Cosmos-Reason,
BLIP ...) loads through transformers from a local directory or a hub id at a revision.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod

import cv2
import numpy as np

MOTION_LEVELS = ((0.002, "static"), (0.01, "slow"), (0.03, "moderate"))


def time_of_day(brightness: float) -> str:
    """A coarse guess from mean brightness (0-255): what a camera sees, not the clock."""
    return "night" if brightness < 45 else "dusk" if brightness < 85 else "day"


def motion_level(motion: float) -> str:
    for bound, name in MOTION_LEVELS:
        if motion < bound:
            return name
    return "fast"


def conditions(clip: dict) -> dict[str, str]:
    """Measured and known conditions of a clip: time of day, weather, motion, scene type."""
    sim = json.loads(clip["sim_params"]) if clip.get("sim_params") else None
    return {
        "time_of_day": time_of_day(clip["brightness"]),
        # The simulator renders clear weather; for real footage we do not guess.
        "weather": "clear" if sim else "unknown",
        "motion_level": motion_level(clip["motion"]),
        "scene_type": sim["scene_type"] if sim else "unknown",
    }


class Captioner(ABC):
    captioner_id: str

    @abstractmethod
    def caption(self, clip: dict, keyframes: list[np.ndarray]) -> str:
        """One sentence for a clip (its row so far, and keyframes in BGR)."""


class TemplateCaptioner(Captioner):
    captioner_id = "template-v1"

    def caption(self, clip: dict, keyframes: list[np.ndarray]) -> str:
        c = conditions(clip)
        if clip.get("sim_params"):
            sim = json.loads(clip["sim_params"])
            if "task" in sim:  # a robot episode's camera
                return f"A simulated {sim['robot']} arm told to {sim['task']}, seen by its {sim['camera']['camera']} camera; " \
                    f"{c['time_of_day']} lighting, {c['motion_level']} motion, {clip['duration_s']:.1f} s at {clip['width']}x{clip['height']}."
            shapes = sorted({o["shape"] for o in sim["objects"]})
            what = f"A simulated {sim['scene_type']} scene with {len(sim['objects'])} objects ({', '.join(shapes)}), seen by a camera orbiting at {abs(sim['camera']['orbit_deg_per_s']):.0f} deg/s"
        else:
            what = "Real camera footage"
        return f"{what}; {c['time_of_day']} lighting, {c['motion_level']} motion, {clip['duration_s']:.1f} s at {clip['width']}x{clip['height']}."


class VlmCaptioner(Captioner):
    """A vision-language model through transformers' image-text-to-text interface."""

    def __init__(self, model: str, revision: str | None = None, prompt: str = "Describe this video frame.", max_new_tokens: int = 48, device: str = "cpu"):
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.captioner_id = f"{model}@{revision or 'main'}"
        self.processor = AutoProcessor.from_pretrained(model, revision=revision)
        self.model = AutoModelForImageTextToText.from_pretrained(model, revision=revision).to(device).eval()
        self.prompt, self.max_new_tokens, self.device = prompt, max_new_tokens, device
        self._torch = torch

    def _inputs(self, image: np.ndarray):
        if getattr(self.processor, "chat_template", None):
            # Chat VLMs (Qwen2.5-VL, Cosmos-Reason) take the image through their chat template.
            messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": self.prompt}]}]
            text = self.processor.apply_chat_template(messages, add_generation_prompt=True)
            return self.processor(images=[image], text=[text], return_tensors="pt")
        return self.processor(images=image, return_tensors="pt")

    def caption(self, clip: dict, keyframes: list[np.ndarray]) -> str:
        image = cv2.cvtColor(keyframes[len(keyframes) // 2], cv2.COLOR_BGR2RGB)
        inputs = self._inputs(image).to(self.device)
        with self._torch.no_grad():
            out = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        prompt_len = inputs["input_ids"].shape[1] if "input_ids" in inputs and getattr(self.processor, "chat_template", None) else 0
        return self.processor.batch_decode(out[:, prompt_len:], skip_special_tokens=True)[0].strip()
