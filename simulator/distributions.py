"""Random quantities of a scenario (times, depths) and the fast samplers that draw them.

A scenario names each random quantity with a :class:`Distribution` — plain data, so it
reads the same in YAML, in Python and in a validation error. At run time each one becomes a
:class:`Sampler` bound to the replication's one ``numpy.random.Generator``: it draws values in
blocks (numpy is fast per block, slow per call) and hands them out one at a time, which
keeps the per-event cost of the model low. Nothing here keeps a global random state.

Every quantity the simulator draws is a non-negative number (a time, a percentage), so
every distribution is checked to produce only values ``>= 0``.

Kinds and their fields (units are those of the field that holds the distribution, e.g.
``handling_time_minutes``):

===============  ==================================  ========================================
kind             fields                              values
===============  ==================================  ========================================
``constant``     ``value``                           always ``value``
``exponential``  ``mean``                            exponential with that mean
``lognormal``    ``mean``, ``sd``                    lognormal with that mean and standard
                                                     deviation (of the value, not its log)
``uniform``      ``low``, ``high``                   uniform on ``[low, high]``
``empirical``    ``values`` (``weights``)            one of ``values``, equally likely or as
                                                     weighted (observed data, resampled)
===============  ==================================  ========================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from reference_server.domain.codec import FieldError

__all__ = [
    "Distribution",
    "DistributionKind",
    "Sampler",
    "categorical_sampler",
    "sampler",
    "uniform_sampler",
]

# Blocks start small (a rarely used sampler wastes little) and double up to this size.
_FIRST_BLOCK = 64
_LARGEST_BLOCK = 1 << 16


class DistributionKind(StrEnum):
    CONSTANT = "constant"
    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"
    UNIFORM = "uniform"
    EMPIRICAL = "empirical"


@dataclass(frozen=True)
class Distribution:
    """A non-negative random quantity (see the module docstring for the kinds)."""

    kind: DistributionKind
    value: float | None = None
    mean: float | None = None
    sd: float | None = None
    low: float | None = None
    high: float | None = None
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    def _check(self) -> list[FieldError]:
        needed = _NEEDED[self.kind]
        errors = [
            FieldError(name, f"is required for a {self.kind.value} distribution")
            for name in needed
            if getattr(self, name) in (None, ())
        ]
        errors += [
            FieldError(name, f"is not used by a {self.kind.value} distribution")
            for name in _ALL_FIELDS - needed - _OPTIONAL[self.kind]
            if getattr(self, name) not in (None, ())
        ]
        if errors:
            return errors
        return _KIND_CHECKS[self.kind](self)

    @property
    def expected(self) -> float:
        """The mean of the distribution."""
        if self.kind is DistributionKind.CONSTANT:
            return _number(self.value)
        if self.kind in (DistributionKind.EXPONENTIAL, DistributionKind.LOGNORMAL):
            return _number(self.mean)
        if self.kind is DistributionKind.UNIFORM:
            return (_number(self.low) + _number(self.high)) / 2.0
        weights = self.weights or (1.0,) * len(self.values)
        return sum(v * w for v, w in zip(self.values, weights, strict=True)) / sum(weights)


def _number(value: float | None) -> float:
    # Only reached on a checked distribution, where the needed fields are set.
    assert value is not None
    return value


_ALL_FIELDS = frozenset({"value", "mean", "sd", "low", "high", "values", "weights"})
_NEEDED = {
    DistributionKind.CONSTANT: frozenset({"value"}),
    DistributionKind.EXPONENTIAL: frozenset({"mean"}),
    DistributionKind.LOGNORMAL: frozenset({"mean", "sd"}),
    DistributionKind.UNIFORM: frozenset({"low", "high"}),
    DistributionKind.EMPIRICAL: frozenset({"values"}),
}
_OPTIONAL: dict[DistributionKind, frozenset[str]] = {
    kind: frozenset() for kind in DistributionKind
} | {DistributionKind.EMPIRICAL: frozenset({"weights"})}


def _finite_at_least(name: str, value: float | None, low: float, strict: bool) -> list[FieldError]:
    number = _number(value)
    bad = not math.isfinite(number) or number < low or (strict and number == low)
    if bad:
        relation = ">" if strict else ">="
        return [FieldError(name, f"must be a finite number {relation} {low:g}")]
    return []


def _check_constant(d: Distribution) -> list[FieldError]:
    return _finite_at_least("value", d.value, 0.0, strict=False)


def _check_exponential(d: Distribution) -> list[FieldError]:
    return _finite_at_least("mean", d.mean, 0.0, strict=True)


def _check_lognormal(d: Distribution) -> list[FieldError]:
    return _finite_at_least("mean", d.mean, 0.0, strict=True) + _finite_at_least(
        "sd", d.sd, 0.0, strict=True
    )


def _check_uniform(d: Distribution) -> list[FieldError]:
    errors = _finite_at_least("low", d.low, 0.0, strict=False)
    errors += _finite_at_least("high", d.high, 0.0, strict=False)
    if not errors and _number(d.high) < _number(d.low):
        errors.append(FieldError("high", "must not be below low"))
    return errors


def _check_empirical(d: Distribution) -> list[FieldError]:
    errors = [
        FieldError(f"values[{i}]", "must be a finite number >= 0")
        for i, v in enumerate(d.values)
        if not (math.isfinite(v) and v >= 0.0)
    ]
    if d.weights:
        if len(d.weights) != len(d.values):
            errors.append(FieldError("weights", "must have one weight per value"))
        elif any(not (math.isfinite(w) and w >= 0.0) for w in d.weights):
            errors.append(FieldError("weights", "must be finite numbers >= 0"))
        elif sum(d.weights) <= 0.0:
            errors.append(FieldError("weights", "must not all be 0"))
    return errors


_KIND_CHECKS: dict[DistributionKind, Callable[[Distribution], list[FieldError]]] = {
    DistributionKind.CONSTANT: _check_constant,
    DistributionKind.EXPONENTIAL: _check_exponential,
    DistributionKind.LOGNORMAL: _check_lognormal,
    DistributionKind.UNIFORM: _check_uniform,
    DistributionKind.EMPIRICAL: _check_empirical,
}


# ---------------------------------------------------------------- samplers


class Sampler:
    """Draws one value at a time from blocks filled by ``fill(size)``.

    ``draw()`` costs an index and a list read; the block is refilled when used up. The
    order in which a replication's samplers refill is part of its random stream, so the
    same seed and the same scenario always give the same values.
    """

    __slots__ = ("_block", "_fill", "_index", "_size")

    def __init__(self, fill: Callable[[int], Any]) -> None:
        self._fill = fill
        self._block: list[Any] = []
        self._index = 0
        self._size = _FIRST_BLOCK // 2

    def draw(self) -> Any:
        """The next value."""
        i = self._index
        if i >= len(self._block):
            self._size = min(self._size * 2, _LARGEST_BLOCK)
            self._block = self._fill(self._size).tolist()
            i = 0
        self._index = i + 1
        return self._block[i]


class _Constant(Sampler):
    __slots__ = ("_value",)

    def __init__(self, value: float) -> None:
        super().__init__(lambda size: np.full(size, value))
        self._value = value

    def draw(self) -> float:
        return self._value


def sampler(distribution: Distribution, rng: np.random.Generator, scale: float = 1.0) -> Sampler:
    """A sampler of ``distribution`` with every value multiplied by ``scale`` (for units)."""
    d = distribution
    kind = d.kind
    if kind is DistributionKind.CONSTANT:
        return _Constant(_number(d.value) * scale)
    if kind is DistributionKind.EXPONENTIAL:
        mean = _number(d.mean) * scale
        return Sampler(lambda size: rng.exponential(mean, size))
    if kind is DistributionKind.LOGNORMAL:
        mean, sd = _number(d.mean) * scale, _number(d.sd) * scale
        sigma2 = math.log1p((sd / mean) ** 2)
        mu, sigma = math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)
        return Sampler(lambda size: rng.lognormal(mu, sigma, size))
    if kind is DistributionKind.UNIFORM:
        low, high = _number(d.low) * scale, _number(d.high) * scale
        return Sampler(lambda size: rng.uniform(low, high, size))
    values = np.asarray(d.values, dtype=float) * scale
    p = _probabilities(d.weights) if d.weights else None
    return Sampler(lambda size: rng.choice(values, size=size, p=p))


def uniform_sampler(rng: np.random.Generator) -> Sampler:
    """Uniform numbers in ``[0, 1)``, for yes/no draws and positions."""
    return Sampler(rng.random)


def categorical_sampler(weights: Sequence[float], rng: np.random.Generator) -> Sampler:
    """Indices ``0 .. len(weights)-1`` drawn in proportion to ``weights``."""
    p = _probabilities(weights)
    count = len(p)
    if count == 1:
        return Sampler(lambda size: np.zeros(size, dtype=np.int64))
    return Sampler(lambda size: rng.choice(count, size=size, p=p))


def _probabilities(weights: Sequence[float]) -> np.ndarray[Any, np.dtype[np.float64]]:
    p: np.ndarray[Any, np.dtype[np.float64]] = np.asarray(weights, dtype=float)
    return p / float(p.sum())
