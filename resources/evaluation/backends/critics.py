"""Model backends for the evaluator: a VLM critic (Cosmos-Reason style, a 0..1 score) and a
monocular depth estimator (Depth Anything style, for depth scale-invariant RMSE)."""
from __future__ import annotations

from abc import ABC, abstractmethod

import cv2
import numpy as np


class Critic(ABC):
    critic_id: str

    @abstractmethod
    def score(self, frames: np.ndarray, condition: str) -> float:
        """How well the frames (BGR) show the condition and look physically right, in [0, 1]."""


class VlmCritic(Critic):
    """Asks a vision-language model a yes/no question about the middle frame and reads the
    answer's probability from the next-token logits: P(yes) / (P(yes) + P(no))."""

    def __init__(self, model: str, revision: str | None = None, device: str = "cpu"):
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.critic_id = f"{model}@{revision or 'main'}"
        self.processor = AutoProcessor.from_pretrained(model, revision=revision)
        self.model = AutoModelForImageTextToText.from_pretrained(model, revision=revision).to(device).eval()
        self.device, self._torch = device, torch
        tok = self.processor.tokenizer
        self.yes, self.no = (tok.convert_tokens_to_ids(w) for w in ("yes", "no"))

    def score(self, frames: np.ndarray, condition: str) -> float:
        image = cv2.cvtColor(frames[len(frames) // 2], cv2.COLOR_BGR2RGB)
        question = f"Does this video frame show {condition.replace('+', ' and ').replace('_', ' ')}, with nothing physically wrong? Answer yes or no."
        if getattr(self.processor, "chat_template", None):
            messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
            inputs = self.processor(images=[image], text=[self.processor.apply_chat_template(messages, add_generation_prompt=True)], return_tensors="pt")
        else:
            inputs = self.processor(images=image, text=question, return_tensors="pt")
        with self._torch.no_grad():
            logits = self.model(**inputs.to(self.device)).logits[0, -1].float()
        pair = self._torch.softmax(logits[[self.yes, self.no]], dim=0)
        return float(pair[0])


class DepthEstimator(ABC):
    @abstractmethod
    def estimate(self, frames: np.ndarray) -> np.ndarray:
        """Per-frame depth (any scale; the metric is scale-invariant), T x H x W."""


class TransformersDepthEstimator(DepthEstimator):
    def __init__(self, model: str, revision: str | None = None, device: str = "cpu"):
        import torch
        from transformers import AutoImageProcessor, AutoModelForDepthEstimation

        self.processor = AutoImageProcessor.from_pretrained(model, revision=revision)
        self.model = AutoModelForDepthEstimation.from_pretrained(model, revision=revision).to(device).eval()
        self.device, self._torch = device, torch

    def estimate(self, frames: np.ndarray) -> np.ndarray:
        images = [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]
        inputs = self.processor(images=images, return_tensors="pt").to(self.device)
        with self._torch.no_grad():
            depth = self.model(**inputs).predicted_depth.float().cpu().numpy()
        # Relative-depth models predict disparity-like values: larger is nearer. Invert to depth.
        return 1.0 / np.maximum(depth, 1e-3)
