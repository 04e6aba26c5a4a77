"""Where a build's seconds go: the expensive calls run inside `phase(name)` ("train", "generate", "score", ...),
and `recording()` sums the seconds of each phase over the calls it encloses. The cache records a build's phases
in its `build.json`; `make bench` prints them. Time is charged to the innermost open phase, so the phases of a
recording never overlap and add up to at most its wall time (the rest is data preparation, loading and Python).

    with recording() as seconds:
        with phase("train"):
            ...
    seconds  # {"train": 12.3}
"""
from __future__ import annotations

import time
from contextlib import contextmanager

_records: list[dict[str, float]] = []  # the open recordings, innermost last
_open: list[list] = []  # the open phases, innermost last: [name, when its current stretch began]


def _charge(now: float) -> None:
    """Charge the innermost open phase for the time since its stretch began, to every open recording."""
    if _open:
        name, began = _open[-1]
        for record in _records:
            record[name] = record.get(name, 0.0) + now - began
        _open[-1][1] = now


@contextmanager
def phase(name: str):
    """Charge the time spent inside to `name` (an inner phase takes its own time from this one)."""
    _charge(time.perf_counter())
    _open.append([name, time.perf_counter()])
    try:
        yield
    finally:
        _charge(time.perf_counter())
        _open.pop()
        if _open:
            _open[-1][1] = time.perf_counter()


@contextmanager
def recording():
    """Yield a dict that holds, on exit, the seconds spent in each phase inside (to 0.01 s; phases that took less
    are left out)."""
    _charge(time.perf_counter())
    record: dict[str, float] = {}
    _records.append(record)
    try:
        yield record
    finally:
        _charge(time.perf_counter())
        _records.pop()  # recordings nest, so this one is the innermost
        for name, seconds in list(record.items()):
            if round(seconds, 2) > 0:
                record[name] = round(seconds, 2)
            else:
                del record[name]
