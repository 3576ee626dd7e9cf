"""Storage that cannot be reached, said plainly.

delta-rs and pyarrow report an unreachable object store as a chain of transport errors
(``Kernel error -> Generic S3 error -> ... client error (Connect)``, or a curl code). The
lake and blob store turn those into one StorageUnavailable that names the storage, what was
being done, and what to do; everything else passes through unchanged.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_UNREACHABLE = (
    "error sending request", "client error (connect)", "connection refused", "could not connect", "couldn't connect",
    "network_connection", "connection reset", "dns error", "failed to connect", "operation timed out", "connect timeout",
    # The AWS SDK under pyarrow names curl's transport failures ("curlCode: 52, Server returned
    # nothing") when a server goes away in the middle of a request.
    "curlcode: ", "server returned nothing", "failure when receiving data",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class StorageUnavailable(OSError):
    """The lake's storage (a directory or an object store) cannot be reached."""


def is_unreachable(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OSError) and any(marker in text for marker in _UNREACHABLE)


def unavailable(root: str, action: str, exc: BaseException) -> StorageUnavailable:
    cause = next((line.strip(" ↳") for line in _ANSI.sub("", str(exc)).splitlines() if any(m in line.lower() for m in _UNREACHABLE)), "")
    return StorageUnavailable(
        f"the lake's storage at {root} cannot be reached while {action}"
        + (f" ({cause[:200]})" if cause else "")
        + ". Nothing is half-committed: a Delta commit is one atomic write, and rows already committed stay. "
        "Run the step again once the storage is back."
    )


def storage_errors(action: str) -> Callable[[F], F]:
    """Decorate a method of an object with a ``root``: unreachable-storage errors become
    StorageUnavailable naming ``action`` (formatted with the call's first argument)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(self, *args, **kwargs):
            try:
                return fn(self, *args, **kwargs)
            except StorageUnavailable:
                raise
            except Exception as exc:
                if is_unreachable(exc):
                    raise unavailable(self.root, action.format(*args), exc) from None
                raise

        return inner  # type: ignore[return-value]

    return wrap
