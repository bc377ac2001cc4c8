"""Compact identifiers: a prefix and a zero-padded number (``M00001234``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# The four ASCII digits of every number 0..9999, to write four digits per pass.
_DIGIT_QUADS = np.array(
    [[48 + i // 1000, 48 + i // 100 % 10, 48 + i // 10 % 10, 48 + i % 10] for i in range(10000)],
    dtype=np.uint8,
)


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Arrow strings ``prefix`` + ``numbers`` padded to ``width`` digits.

    Built straight into Arrow's buffers: formatting millions of ids through Python
    strings would dominate the generation time.
    """
    numbers = np.asarray(numbers)
    n = len(numbers)
    head = prefix.encode("ascii")
    length = len(head) + width
    buf = np.empty((n, length), dtype=np.uint8)
    if head:
        buf[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    rest = numbers.astype(np.uint64)
    end = length
    while end - 4 >= len(head):
        rest, quad = np.divmod(rest, np.uint64(10000))
        buf[:, end - 4 : end] = _DIGIT_QUADS[quad]
        end -= 4
    while end > len(head):
        rest, digit = np.divmod(rest, np.uint64(10))
        buf[:, end - 1] = digit.astype(np.uint8) + 48
        end -= 1
    offsets = np.arange(0, (n + 1) * length, length, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf)).cast(
        pa.string()
    )


def id_width(count: int) -> int:
    """Digits needed to number ``count`` items from 1."""
    return len(str(max(int(count), 1)))
