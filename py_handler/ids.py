"""New item ids: UUIDv7 strings, which sort by creation time (RFC 9562)."""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last_stamp = 0  # unix milliseconds << 12 | a 12-bit sequence within that millisecond


def new_id() -> str:
    global _last_stamp
    with _lock:
        # A second id in the same millisecond takes the next sequence number, so ids from one
        # process keep sorting in creation order (RFC 9562, 6.2 method 1).
        _last_stamp = max(time.time_ns() // 1_000_000 << 12, _last_stamp + 1)
        stamp = _last_stamp
    millis, sequence = stamp >> 12, stamp & 0xFFF
    value = millis << 80 | 0x7 << 76 | sequence << 64 | 0b10 << 62 | secrets.randbits(62)
    return str(uuid.UUID(int=value))
