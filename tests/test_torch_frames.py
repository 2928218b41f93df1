"""The frames between budget-check and its torch worker: every read has a deadline and a size cap."""

from __future__ import annotations

import contextlib
import os
import time

import pytest

from checker.torch import frames


@pytest.fixture
def pipe():
    read_end, write_end = os.pipe()
    yield read_end, write_end
    for fd in (read_end, write_end):
        with contextlib.suppress(OSError):  # a test may have closed it
            os.close(fd)


def test_a_frame_goes_through_whole(pipe):
    read_end, write_end = pipe
    frames.send(write_end, b"x" * 1000)
    assert frames.receive(read_end, time.monotonic() + 60) == b"x" * 1000


def test_a_closed_pipe_between_frames_is_the_end(pipe):
    read_end, write_end = pipe
    os.close(write_end)
    assert frames.receive(read_end) is None


@pytest.mark.parametrize("written", [b"", b"\0\0\0", b"\0\0\0\0\0\0\0\x10abc"])
def test_a_frame_that_stops_halfway_times_out(pipe, written):
    """The writer stays open and silent: the reader gives up at its deadline instead of waiting for ever."""
    read_end, write_end = pipe
    os.write(write_end, written)
    with pytest.raises(TimeoutError):
        frames.receive(read_end, time.monotonic() + 0.2)


@pytest.mark.parametrize("written", [b"\0\0\0", b"\0\0\0\0\0\0\0\x10abc"])
def test_a_frame_cut_short_is_broken(pipe, written):
    read_end, write_end = pipe
    os.write(write_end, written)
    os.close(write_end)
    with pytest.raises(frames.BrokenFrame):
        frames.receive(read_end, time.monotonic() + 60)


def test_a_frame_over_the_limit_is_broken_before_it_is_read(pipe):
    read_end, write_end = pipe
    os.write(write_end, b"garbage\n")
    with pytest.raises(frames.BrokenFrame, match="over the limit"):
        frames.receive(read_end, time.monotonic() + 60)
