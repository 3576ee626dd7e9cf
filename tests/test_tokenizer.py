"""The weight-free tokenizer and the shard packer."""
import numpy as np
import pytest

from resources.media.codec import iter_frames
from resources.tokenization import make_tokenizer
from resources.tokenization.commit import ShardPacker
from resources.tokenization.engine import EmptyClipError, Tokenizer, psnr
from resources.tokenization.stage import split_of


def test_dct_tokenizer_round_trip(footage):
    frames = np.stack([f.image for f in iter_frames(footage["megamind"], 0, 20)])
    tok = make_tokenizer("dct")
    out = tok.encode(frames)
    assert out.tokens.dtype == np.int16
    # 720x528 -> 256x184 on the 8x8x8 grid: ceil(20 / 8) cubes in time, 23 x 32 in space.
    assert out.tokens.shape == (3, 23, 32, 3 * 20)  # 20 low-frequency coefficients for each of Y, Cr, Cb
    recon = tok.decode(out)
    assert recon.shape == frames.shape
    assert psnr(frames, recon) > 20.0
    assert frames.nbytes / len(out.token_bytes) > 20
    assert "not a learned model" in tok.description


def test_dct_streamed_eight_frames_at_a_time_equals_the_whole_clip(footage):
    """The stage hands the tokenizer frames one by one; DCT holds eight at a time. Its tokens,
    PSNR and raw size are those of the clip held whole (the default path a learned VAE takes),
    also when the clip's length is not a multiple of eight."""
    tok = make_tokenizer("dct")
    for n in (20, 8, 3):
        streamed = tok.encode_measured(f.image for f in iter_frames(footage["megamind"], 0, n))
        whole = Tokenizer.encode_measured(tok, (f.image for f in iter_frames(footage["megamind"], 0, n)))
        assert streamed.tokenized.tokens.shape == whole.tokenized.tokens.shape == (-(-n // 8), 23, 32, 60)
        assert np.array_equal(streamed.tokenized.tokens, whole.tokenized.tokens)
        assert streamed.tokenized.num_frames == n and streamed.raw_bytes == whole.raw_bytes == n * 528 * 720 * 3
        assert streamed.psnr == pytest.approx(whole.psnr, abs=1e-9) and streamed.psnr > 20.0
    with pytest.raises(EmptyClipError):
        tok.encode_measured(iter([]))


def test_unknown_tokenizer_is_refused():
    with pytest.raises(ValueError, match="unknown tokenizer"):
        make_tokenizer("cosmos-imaginary")


def _row(i: int, split: str, size: int) -> dict:
    return {"token_id": f"{i:064x}", "split": split, "tokens": b"x" * size, "shard_id": None}


def test_shards_are_bounded_by_rows_and_bytes():
    packer = ShardPacker(max_rows=3, max_bytes=250)
    sealed = [s for i in range(10) for s in packer.add(_row(i, "train", 100))] + list(packer.flush())
    assert sum(len(s) for s in sealed) == 10
    assert all(len(s) <= 3 and sum(len(r["tokens"]) for r in s) <= 250 for s in sealed)
    assert all(len({r["shard_id"] for r in s}) == 1 for s in sealed)


def test_shard_ids_depend_only_on_their_members():
    def pack():
        p = ShardPacker(max_rows=2, max_bytes=1 << 20)
        return [s[0]["shard_id"] for i in range(4) for s in p.add(_row(i, "train" if i % 2 else "val", 10))] + [
            s[0]["shard_id"] for s in p.flush()
        ]

    first, second = pack(), pack()
    assert first == second and len(set(first)) == len(first)
    assert all(sid.split("-")[0] in ("train", "val") for sid in first)


def test_split_by_clip_hash_is_stable_and_near_the_fraction():
    ids = [f"{i * 2654435761 % 2**32:08x}" + "0" * 56 for i in range(2000)]
    splits = [split_of(i, 0.1) for i in ids]
    assert splits == [split_of(i, 0.1) for i in ids]
    assert 0.07 < splits.count("val") / len(splits) < 0.13
