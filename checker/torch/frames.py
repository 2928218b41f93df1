"""Length-prefixed frames over a pipe, read with a deadline and a size cap.

Every message between budget-check and its torch worker is one frame: eight
bytes of length, then that many bytes. A reader never waits past its
deadline and never takes more than `limit` bytes, so a worker that stops
halfway through a frame, or writes garbage, costs one answer, not the run.
Used on both sides of the pipe; imports nothing heavy.
"""

from __future__ import annotations

import os
import select
import struct
import time

_HEADER = struct.Struct(">Q")
FRAME_LIMIT = 64 * 2**20  # an answer is a few counts and names; a job is one counted spec


class BrokenFrame(Exception):
    """The other side wrote something that is not a whole frame."""


def send(fd: int, payload: bytes) -> None:
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data) :]


def receive(fd: int, deadline: float | None = None, limit: int = FRAME_LIMIT) -> bytes | None:
    """The next frame's payload; None when the pipe closed between frames.

    Raises TimeoutError once `deadline` (a time.monotonic() value) passes, and
    BrokenFrame for a frame cut short or longer than `limit`.
    """
    header = _read_exactly(fd, _HEADER.size, deadline)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    if length > limit:
        raise BrokenFrame(f"a frame of {length} bytes, over the limit of {limit}")
    payload = _read_exactly(fd, length, deadline) if length else b""
    if payload is None:
        raise BrokenFrame("the pipe closed in the middle of a frame")
    return payload


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    """`size` bytes; None if the pipe closes before the first one."""
    data = bytearray()
    while len(data) < size:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, size - len(data))
        if not chunk:
            if data:
                raise BrokenFrame("the pipe closed in the middle of a frame")
            return None
        data += chunk
    return bytes(data)
