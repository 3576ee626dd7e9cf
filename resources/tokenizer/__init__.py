"""Tokenizers: turn accepted samples into token tensors a training job streams."""
from resources.tokenizer.base import TokenizedClip, Tokenizer, make_tokenizer

__all__ = ["TokenizedClip", "Tokenizer", "make_tokenizer"]
