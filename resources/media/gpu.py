"""What every model backend shares on a GPU: the device and dtype settings, one load of a
model per process, and batches that shrink when CUDA runs out of memory.

Dagster may build a resource (and so an engine) more than once in a process - per run, per
step - so an engine's own attribute is not enough to keep a 10 GB model from loading per
clip. Loads go through one process-level cache keyed by what makes a load different:
(class, path or hub id, revision, device, dtype, and any extra the loader names).
"""
from __future__ import annotations

import collections
import gc
import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import torch

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

_DTYPES = {"fp32": "float32", "float32": "float32", "bf16": "bfloat16", "bfloat16": "bfloat16", "fp16": "float16", "float16": "float16"}


def resolve_device(device: str) -> str:
    """``auto`` is the first CUDA device when there is one, else the CPU; anything else is
    taken as given (``cpu``, ``cuda``, ``cuda:1``)."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} was asked for, but torch sees no CUDA device (torch {torch.__version__})")
    return device


def resolve_dtype(dtype: str, device: str) -> "torch.dtype":
    """``auto`` is bfloat16 on a GPU (what the Cosmos checkpoints are trained and shipped in)
    and float32 on the CPU (bf16 matmuls on a CPU are slow and lose precision for nothing)."""
    import torch

    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be auto, fp32, bf16 or fp16, not {dtype!r}")
    return getattr(torch, _DTYPES[dtype])


def dtype_name(dtype: "torch.dtype") -> str:
    return str(dtype).removeprefix("torch.")


def check_model_source(source: str, setting: str) -> str:
    """A path must exist: a missing directory would otherwise be taken for a hub id and
    fail with a download error (or, on a machine with the hub, download something else)."""
    import os

    if source.startswith(("/", "./", "../", "~")) and not os.path.isdir(os.path.expanduser(source)):
        raise FileNotFoundError(f"{setting} is {source!r}, which is not a directory (a hub id looks like owner/name)")
    return source


# --- one load per process ---------------------------------------------------------------

_CACHE: dict[tuple, object] = {}
_KEY_LOCKS: dict[tuple, threading.Lock] = collections.defaultdict(threading.Lock)
_LOCK = threading.Lock()
# How often each key was actually loaded: a test reads it to show a model loads once.
LOADS: collections.Counter = collections.Counter()


def model_key(cls: type | str, source: str, revision: str | None, device: str, dtype: object, *extra: Hashable) -> tuple:
    name = cls if isinstance(cls, str) else f"{cls.__module__}.{cls.__qualname__}"
    return (name, str(source), revision, device, str(dtype), *extra)


def load_once(key: tuple, load: Callable[[], T]) -> T:
    """The object cached under ``key``, loading it (once, even with threads) when absent."""
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]  # type: ignore[return-value]
        key_lock = _KEY_LOCKS[key]
    with key_lock:  # a second thread asking for the same model waits instead of loading it too
        with _LOCK:
            if key in _CACHE:
                return _CACHE[key]  # type: ignore[return-value]
        log.info("loading %s from %s (revision %s) on %s as %s", *key[:5])
        obj = load()
        with _LOCK:
            _CACHE[key] = obj
            LOADS[key] += 1
        return obj


_USE_LOCKS: dict[tuple, threading.RLock] = collections.defaultdict(threading.RLock)


def use_lock(key: tuple) -> threading.RLock:
    """The lock to hold while using the model cached under ``key``: engines in one process
    share the model, and a call may change its state (a swapped ControlNet, a VAE's causal cache)."""
    with _LOCK:
        return _USE_LOCKS[key]


def clear_models() -> None:
    """Forget every cached model (tests; a long-lived process switching models)."""
    with _LOCK:
        _CACHE.clear()
    free_memory()


def free_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# --- batches that shrink on CUDA out-of-memory -------------------------------------------


class GpuOutOfMemory(RuntimeError):
    """CUDA ran out of memory even at batch size 1: the run fails with what to change."""


def is_out_of_memory(err: BaseException) -> bool:
    import torch

    # torch.cuda.OutOfMemoryError is torch.OutOfMemoryError in torch >= 2.5; both named for clarity.
    return isinstance(err, (torch.OutOfMemoryError, torch.cuda.OutOfMemoryError))


def run_in_batches(items: Sequence[T], run: Callable[[list[T]], list[R]], batch_size: int, what: str, setting: str) -> list[R]:
    """``run`` over ``items`` in batches of ``batch_size``, in order, one result per item.

    When a batch runs out of CUDA memory, the memory is freed and the same items are tried
    again in batches of half the size (8 -> 4 -> 2 -> 1); batches already done are kept, and
    the smaller size is kept for the rest. A batch of one that still runs out of memory ends
    the run with a GpuOutOfMemory that names ``what`` was running and the ``setting`` to change.
    """
    if batch_size < 1:
        raise ValueError(f"{setting} must be at least 1, not {batch_size}")
    results: list[R] = []
    tried = [batch_size]
    start = 0
    while start < len(items):
        batch = list(items[start : start + batch_size])
        try:
            out = run(batch)
        except Exception as err:  # only OOM is handled here; anything else re-raises
            if not is_out_of_memory(err):
                raise
            free_memory()
            if batch_size == 1:
                raise GpuOutOfMemory(
                    f"CUDA ran out of memory {what}, even at batch size 1 (tried batch sizes {', '.join(map(str, tried))}). "
                    f"Free the GPU of other work, lower the frame size or frames per chunk, or use a GPU with more memory; "
                    f"the starting batch size is {setting}."
                ) from err
            batch_size = max(1, batch_size // 2)
            tried.append(batch_size)
            log.warning("CUDA out of memory %s; retrying with batch size %d", what, batch_size)
            continue
        if len(out) != len(batch):
            raise RuntimeError(f"{what}: a batch of {len(batch)} gave {len(out)} results")
        results.extend(out)
        start += len(batch)
    return results
