"""Named random streams (issue 13 §5): one generator per purpose, spawned from a replication's
seed, so that two configurations of a scenario meet the same visitors.

With one generator for everything, a change anywhere (one more agent, another routing rule)
shifts every later draw: the two runs see different arrivals, handling times and patience,
and their difference is mostly noise. With a stream per purpose, the arrivals (times,
devices, segments, first pages) come from their own stream and stay the same whatever the
agents do; the n-th chat's handling work and patience are the same in both runs; so are the
visitors' email and survey answers, in the order they are asked. This is the method of
common random numbers: paired comparisons (``livechat compare``) and the staffing search
see the effect of the change, not a new draw of the world.

Each stream's seed is the replication's seed with the stream's number appended to its
spawn key — what :meth:`numpy.random.SeedSequence.spawn` does, without changing the seed
object (so a replication run alone and inside an experiment draw the same numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["STREAMS", "Streams"]

STREAMS = ("arrivals", "pages", "handling", "patience", "email", "csat")
"""The purposes, in the order of their spawn key (adding one at the end keeps the others)."""


def _child(seed: np.random.SeedSequence, number: int) -> np.random.Generator:
    child = np.random.SeedSequence(
        seed.entropy, spawn_key=(*seed.spawn_key, number), pool_size=seed.pool_size
    )
    return np.random.default_rng(child)


@dataclass(frozen=True)
class Streams:
    """The random streams of one replication.

    - ``arrivals``: when visitors come, and their device, segment and first page (SIM1);
    - ``pages``: what they do on a page — time on it, scroll depth, exit intent, whether
      they start a chat and when, dismiss a prompt, go on to another page (and which);
    - ``handling``: each chat's handling work; ``patience``: how long each visitor waits;
    - ``email``: whether a visitor asked for their address gives it (BD2);
    - ``csat``: whether a visitor answers the survey, and their rating (OP7).
    """

    arrivals: np.random.Generator
    pages: np.random.Generator
    handling: np.random.Generator
    patience: np.random.Generator
    email: np.random.Generator
    csat: np.random.Generator

    @classmethod
    def from_seed(cls, seed: np.random.SeedSequence | int) -> Streams:
        """The streams of the replication whose seed is ``seed``."""
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        return cls(*(_child(root, number) for number in range(len(STREAMS))))
