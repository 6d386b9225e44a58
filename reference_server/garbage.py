"""The garbage collector, set for a server that holds many long-lived objects.

Python 3.11 collects its youngest objects every 700 new containers and, now and then, walks
every object the process holds — the modules, the tables, every open socket's state. Under
load that was about a tenth of the server's CPU (a message allocates a few hundred
containers). Once the server has started, what it has made so far lives as long as the
process: :func:`settle_after_startup` moves it out of the collector's sight (``gc.freeze``)
and lets the youngest generation grow larger before it is collected. Cycles are still
collected, only less often.
"""

from __future__ import annotations

import gc

__all__ = ["settle_after_startup"]

YOUNG_OBJECTS = 20_000  # new containers between collections of the youngest generation
OLDER_EVERY = 20  # collections of one generation between collections of the next

_frozen = False


def settle_after_startup() -> None:
    """Once per process (tests start many servers in one)."""
    global _frozen
    gc.set_threshold(YOUNG_OBJECTS, OLDER_EVERY, OLDER_EVERY)
    if not _frozen:
        _frozen = True
        gc.collect()  # nothing dead is frozen with the living
        gc.freeze()
