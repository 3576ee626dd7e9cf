"""Tiny randomly initialised models built with the real transformers classes and saved with
``save_pretrained``: the backends load them back through the same ``from_pretrained`` path
production uses with a hub id or a local checkpoint. No hub is reachable here."""
from __future__ import annotations

from pathlib import Path

CAPTION_WORD = "road"
_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + "a the road car person night day scene walking street camera video of yes no".split()


def save_tiny_clip(folder: Path) -> Path:
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    torch_seed()
    config = CLIPConfig(
        text_config=dict(vocab_size=len(_VOCAB), hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=4, max_position_embeddings=32),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8),
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


def save_tiny_blip(folder: Path) -> Path:
    import torch
    from transformers import BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor, BlipProcessor

    torch_seed()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(_VOCAB))
    config = BlipConfig(
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=4, image_size=32, patch_size=8),
        text_config=dict(
            vocab_size=len(_VOCAB), hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=4,
            max_position_embeddings=64, bos_token_id=2, sep_token_id=3, pad_token_id=0,
        ),
    )
    model = BlipForConditionalGeneration(config)
    # Random weights say nothing in particular; tilt the output layer towards one word so a
    # test can see that generated tokens come back as the caption's text.
    with torch.no_grad():
        model.text_decoder.get_output_embeddings().bias[_VOCAB.index(CAPTION_WORD)] += 20.0
    model.save_pretrained(folder)
    BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=BertTokenizer(str(folder / "vocab.txt"))).save_pretrained(folder)
    return folder


def torch_seed() -> None:
    import torch

    torch.manual_seed(0)


def save_tiny_depth_anything(folder: Path) -> Path:
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config, DPTImageProcessor

    torch_seed()
    backbone = Dinov2Config(
        hidden_size=32, num_hidden_layers=4, num_attention_heads=2, intermediate_size=37, image_size=28, patch_size=14,
        out_features=["stage1", "stage2", "stage3", "stage4"], reshape_hidden_states=False,
    )
    config = DepthAnythingConfig(
        backbone_config=backbone, reassemble_hidden_size=32, neck_hidden_sizes=[8, 16, 32, 32], fusion_hidden_size=16, head_hidden_size=8, patch_size=14
    )
    DepthAnythingForDepthEstimation(config).save_pretrained(folder)
    DPTImageProcessor(size={"height": 28, "width": 28}, keep_aspect_ratio=False, ensure_multiple_of=14).save_pretrained(folder)
    return folder
