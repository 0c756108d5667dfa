"""Counting the Python bytecode instructions an operation executes: a measure of interpreted
work that, unlike time, is the same on a busy machine as on a quiet one.

It leaves out work done in C (the AES-GCM itself, JSON's C scanner, base64), so it
complements the timings rather than replacing them: a change that removes instructions
from the request path almost always makes it faster, in process and over the wire.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from .timing import RunMany

__all__ = ["opcodes_per_operation"]


def opcodes_per_operation(run: RunMany, *, count: int = 100) -> float:
    """Bytecode instructions ``run`` executes per operation, over ``count`` operations."""
    run(10)  # warm: the first calls fill caches and may take other paths
    executed = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal executed
        frame.f_trace_opcodes = True
        if event == "opcode":
            executed += 1
        return trace

    previous = sys.gettrace()
    # CPython 3.12 honours f_trace_opcodes, set from the trace function, only once a trace
    # function has been installed and removed in the process: without this traced run,
    # not counted, the first operation measured in a process counted no opcodes.
    sys.settrace(trace)
    try:
        run(1)
    finally:
        sys.settrace(previous)
    executed = 0
    sys.settrace(trace)
    try:
        run(count)
    finally:
        sys.settrace(previous)
    return executed / count
