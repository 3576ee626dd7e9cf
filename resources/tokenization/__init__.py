"""The tokenization stage: accepted samples as token tensors in bounded shards (tokenized_shards).

``engine.py`` is the Tokenizer interface, ``stage.py`` tokenizes a sample and packs shards,
``commit.py`` commits each sealed shard, ``loader.py`` streams shards to a training job, and
``backends/`` holds the tokenizers (DCT, Cosmos CV8x8x8, Wan 2.1, VidTok-FSQ).
"""
from resources.tokenization.backends import make_tokenizer
from resources.tokenization.engine import TokenizedClip, Tokenizer

__all__ = ["TokenizedClip", "Tokenizer", "make_tokenizer"]
