"""Queueing formulas for capacity planners (SIM7): Erlang B, Erlang C and Erlang A.

The staffing experiments answer "how many agents?" by simulation; these closed-form (or
exactly computed) figures are shown beside them, and the validation tests use them to check
the simulator against theory.

Units: any consistent time unit. Rates are "per time unit", durations (handling time,
patience, service-level threshold, waits) are "time units". The simulator uses **minutes**:
``arrival_rate`` in chats per minute, ``mean_handling_time`` in minutes, and so on.

Models (Poisson arrivals, exponential handling, ``c`` identical agents, first come first
served, one chat per agent):

- **Erlang B** (M/M/c/c): arrivals that find every agent busy are lost.
- **Erlang C** (M/M/c): they wait, forever; unstable when the offered load ``a = λ·AHT``
  reaches ``c``.
- **Erlang A** (M/M/c+M, Garnett, Mandelbaum & Reiman 2002): they wait, but each gives up
  after an exponential patience with mean ``1/θ``. Always stable.

Numerics: good for thousands of agents and loads of thousands of Erlang. Erlang B uses the
standard recurrence ``B(k) = a·B(k-1) / (k + a·B(k-1))`` (values stay in [0, 1], so nothing
overflows). Erlang A works in log space on the birth-death chain (see
:func:`erlang_a_metrics`). No function here emits numpy or scipy warnings.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "erlang_a_metrics",
    "erlang_a_staffing",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "erlang_c_staffing",
    "servers_needed",
]

# Terms of the queue-length series below exp(-40) of the running sum are dropped (< 5e-18).
_SERIES_LOG_TOL = 40.0
# The series is summed in chunks; beyond this many terms the incomplete-gamma form is used.
_SERIES_MAX_TERMS = 1 << 24
# The closed-form fallback is refused when rounding could move log A by more than this.
_GAMMA_MAX_LOG_ERROR = 1e-6
_CHUNK_START = 1024
_CHUNK_MAX = 1 << 20
# Service-level integral: the integrand is dropped where it is below exp(-50) of its peak.
_INTEGRAND_LOG_CUT = 50.0


@dataclass(frozen=True, slots=True)
class ErlangCResult:
    """Steady-state figures of an M/M/c queue (Erlang C).

    ``p_wait``: probability an arrival finds every agent busy (P(W > 0)).
    ``mean_wait``: mean wait over all arrivals (ASA), in the caller's time unit.
    ``service_level``: P(W <= threshold) over all arrivals.
    ``occupancy``: fraction of agent time spent handling chats (``a/c``; 1 when unstable).
    """

    p_wait: float
    mean_wait: float
    service_level: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Steady-state figures of an M/M/c+M queue (Erlang A).

    ``p_wait``: probability an arrival finds every agent busy and has to queue (P(W > 0)).
    ``p_abandon``: fraction of all arrivals who give up before an agent takes them.
    ``mean_wait``: mean time in queue over **all** arrivals (answered or not; zero for those
    answered at once), in the caller's time unit. Equals ``p_abandon * mean_patience``.
    ``service_level``: the fraction of **all** arrivals answered within the threshold, i.e.
    P(answered and W <= threshold). Arrivals who find a free agent count as answered at wait
    0; arrivals who abandon never count, whether they left before or after the threshold,
    and they stay in the denominator.
    ``p_abandon_given_wait``: P(abandon | had to queue).
    ``occupancy``: fraction of agent time spent handling chats, ``(1 - p_abandon)·λ/(cμ)``.
    """

    p_wait: float
    p_abandon: float
    mean_wait: float
    service_level: float
    p_abandon_given_wait: float
    occupancy: float


# --- input checks ---------------------------------------------------------------------------


def _servers(servers: int) -> int:
    # bool is an int subclass, but "True agents" is always a caller bug; numpy ints are fine.
    if isinstance(servers, bool):
        raise TypeError("servers must be an int, got bool")
    count = operator.index(servers)
    if count < 0:
        raise ValueError(f"servers must be >= 0, got {count}")
    return count


def _non_negative(name: str, value: float, *, allow_inf: bool = False) -> float:
    number = float(value)
    if math.isnan(number) or number < 0.0 or (math.isinf(number) and not allow_inf):
        limit = "a number >= 0" if allow_inf else "a finite number >= 0"
        raise ValueError(f"{name} must be {limit}, got {value!r}")
    return number


def _positive(name: str, value: float) -> float:
    number = _non_negative(name, value)
    if number == 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def _fraction(name: str, value: float) -> float:
    number = float(value)
    if not 0.0 < number < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return number


# --- Erlang B and C -------------------------------------------------------------------------


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of an M/M/c/c loss system with ``offered_load = λ·AHT`` Erlang."""
    c = _servers(servers)
    a = _non_negative("offered_load", offered_load)
    blocking = 1.0
    for k in range(1, c + 1):
        # Stays in [0, 1]: no overflow for any c; a tiny result underflows quietly to 0.
        carried = a * blocking
        blocking = carried / (k + carried)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability of waiting in an M/M/c queue; 1.0 when ``offered_load >= servers``."""
    c = _servers(servers)
    a = _non_negative("offered_load", offered_load)
    if a >= c:
        return 1.0
    blocking = erlang_b(c, a)
    # C = c·B / (c - a·(1 - B)), rearranged so the denominator is in (0, 1].
    return blocking / (1.0 - (a / c) * (1.0 - blocking))


def erlang_c_metrics(
    arrival_rate: float, mean_handling_time: float, servers: int, threshold: float
) -> ErlangCResult:
    """Erlang C figures for ``servers`` agents and a service-level ``threshold``.

    ``service_level = 1 - C·exp(-(c - a)·threshold / AHT)``, ``mean_wait = C·AHT / (c - a)``.
    An unstable system (``a >= c``) gives ``p_wait=1``, ``mean_wait=inf``,
    ``service_level=0``, ``occupancy=1``. No arrivals gives zeros and ``service_level=1``.
    ``threshold`` may be ``inf``.
    """
    lam = _non_negative("arrival_rate", arrival_rate)
    aht = _positive("mean_handling_time", mean_handling_time)
    c = _servers(servers)
    t = _non_negative("threshold", threshold, allow_inf=True)
    load = lam * aht
    if load == 0.0:
        return ErlangCResult(p_wait=0.0, mean_wait=0.0, service_level=1.0, occupancy=0.0)
    if load >= c:
        return ErlangCResult(p_wait=1.0, mean_wait=math.inf, service_level=0.0, occupancy=1.0)
    p_wait = erlang_c(c, load)
    spare = c - load  # idle agents on average; (c - a)/AHT is the queue's drain rate
    return ErlangCResult(
        p_wait=p_wait,
        mean_wait=p_wait * aht / spare,
        service_level=1.0 - p_wait * math.exp(-spare * t / aht),
        occupancy=load / c,
    )


# --- Erlang A -------------------------------------------------------------------------------


def _log_erlang_b(c: int, a: float) -> tuple[float, float]:
    """``(log B, log(1 - B))`` for Erlang B, kept in log space so tiny B does not vanish."""
    if c == 0:
        return 0.0, -math.inf
    log_a = math.log(a)
    log_b = 0.0
    previous = 1.0
    for k in range(1, c + 1):
        previous = math.exp(log_b)  # B(k-1); underflows harmlessly to 0 for tiny values
        log_b = log_a + log_b - math.log(k + a * previous)
    # 1 - B(c) = c / (c + a·B(c-1)): no cancellation when B is close to 1.
    return log_b, math.log(c) - math.log(c + a * previous)


def _queue_tail_sums(x: float, y: float) -> tuple[float, float, float]:
    """``(log A, log(S1/A), log(S2/A))`` for the queue part of the Erlang A chain.

    ``t_k = Π_{i=1..k} y/(x+i)`` is π(c+k)/π(c) (``x = cμ/θ``, ``y = λ/θ``);
    ``A = Σ_{k>=0} t_k``, ``S1 = Σ_{k>=1} t_k = A - 1``, ``S2 = Σ_{k>=1} k·t_k``. The sums are
    taken directly in chunks, in log space, until the geometric bound on the rest of the
    series is negligible; past ``_SERIES_MAX_TERMS`` terms (absurdly long patience with an
    overloaded system) the incomplete-gamma closed form is used instead. Ratios to A are
    returned because A itself can be astronomically large while they stay well scaled.
    """
    if y - x > _SERIES_MAX_TERMS:
        return _queue_tail_sums_gamma(x, y)
    log_y = math.log(y)
    log_s1 = log_s2 = -math.inf
    log_last = 0.0  # log t_0
    start, size = 1, _CHUNK_START
    while start <= _SERIES_MAX_TERMS:
        k = np.arange(start, start + size, dtype=np.float64)
        log_t = log_last + np.cumsum(log_y - np.log(x + k))
        log_s1 = float(np.logaddexp(log_s1, special.logsumexp(log_t)))
        log_s2 = float(np.logaddexp(log_s2, special.logsumexp(log_t, b=k)))
        log_last = float(log_t[-1])
        end = start + size - 1
        ratio = y / (x + end + 1)  # every later term shrinks by at least this factor
        if ratio < 1.0:
            log_rest_s1 = log_last + math.log(ratio) - math.log1p(-ratio)
            log_rest_s2 = log_rest_s1 + math.log(end + 1.0 / (1.0 - ratio))
            if log_rest_s1 < log_s1 - _SERIES_LOG_TOL and log_rest_s2 < log_s2 - _SERIES_LOG_TOL:
                log_a = float(np.logaddexp(0.0, log_s1))
                return log_a, log_s1 - log_a, log_s2 - log_a
        start = end + 1
        size = min(2 * size, _CHUNK_MAX)
    return _queue_tail_sums_gamma(x, y)


def _queue_tail_sums_gamma(x: float, y: float) -> tuple[float, float, float]:
    """Closed form of :func:`_queue_tail_sums` (GMR 2002): ``A = e^y y^-x Γ(x+1) P(x, y)``.

    ``S2 = y·A - x·S1`` follows from ``(x+k)·t_k = y·t_{k-1}``. Only used far outside the
    realistic range; its absolute error in ``log A`` is about 1e-16·x·log(y), so it refuses
    (``ValueError``) where that would exceed 1e-6.
    """
    regularized = float(special.gammainc(x, y))
    log_gamma = float(special.gammaln(x + 1.0))
    # log A is a sum of terms as large as x·log(y); its rounding error must stay small.
    rounding = 2.3e-16 * (y + x * abs(math.log(y)) + log_gamma + 1.0)
    if regularized == 0.0 or rounding > _GAMMA_MAX_LOG_ERROR:
        raise ValueError(
            "mean_patience is too long for an accurate Erlang A figure at this load; "
            "use erlang_c_metrics (patience is effectively infinite)"
        )
    log_a = y - x * math.log(y) + log_gamma + math.log(regularized)
    # Getting here takes > 16 million queue states with x·log(y) below ~4e9, so y exceeds x
    # by millions: A is astronomically large and nothing below cancels.
    log_s1_over_a = math.log(-math.expm1(-log_a))
    log_s2_over_a = math.log(y - x + x * math.exp(-log_a))
    return log_a, log_s1_over_a, log_s2_over_a


def _answered_after_wait(
    log_scale: float, lam: float, c_mu: float, theta: float, t: float
) -> float:
    """``exp(log_scale) · ∫_0^t exp(φ(v)) dv`` with ``φ(v) = -(cμ+θ)v + (λ/θ)(1 - e^{-θv})``.

    φ is concave, so the integrand has one peak; the integral is taken only where it is
    within exp(-50) of that peak (found with brentq), scaled by the peak so nothing
    overflows, with the peak passed to quad as a break point.
    """

    def phi(v: float) -> float:
        return -(c_mu + theta) * v - (lam / theta) * math.expm1(-theta * v)

    # φ'(v) = λ·e^{-θv} - (cμ + θ): the peak is inside (0, ∞) only when λ > cμ + θ.
    v_peak = math.log(lam / (c_mu + theta)) / theta if lam > c_mu + theta else 0.0
    v_peak = min(v_peak, t)
    phi_peak = phi(v_peak)

    def shifted(v: float) -> float:
        return phi(v) - phi_peak + _INTEGRAND_LOG_CUT

    lower = 0.0
    if shifted(0.0) < 0.0:
        lower = float(optimize.brentq(shifted, 0.0, v_peak))
    upper = t
    if shifted(t) < 0.0:
        upper = float(optimize.brentq(shifted, v_peak, t))
    if upper <= lower:
        return 0.0
    points = [v_peak] if lower < v_peak < upper else None
    value, _ = integrate.quad(
        lambda v: math.exp(phi(v) - phi_peak),
        lower,
        upper,
        points=points,
        epsabs=0.0,
        epsrel=1e-11,
        limit=200,
    )
    if value <= 0.0:  # a window so short (subnormal) that nothing fits in it
        return 0.0
    return math.exp(log_scale + phi_peak + math.log(value))


def erlang_a_metrics(
    arrival_rate: float,
    mean_handling_time: float,
    mean_patience: float,
    servers: int,
    threshold: float,
) -> ErlangAResult:
    """Erlang A (M/M/c+M) figures for ``servers`` agents and a service-level ``threshold``.

    See :class:`ErlangAResult` for what each figure means (``service_level`` is the
    fraction of ALL arrivals answered within ``threshold``).

    Method. The number in system is a birth-death chain: births at rate λ, deaths at
    ``min(n, c)·μ + max(n - c, 0)·θ``. Relative to state ``c`` the stationary weights are
    ``π(n)/π(c) = (1-B)/B`` summed over ``n < c`` (B = Erlang B, via the recurrence in log
    space) and ``t_k = Π_{i<=k} y/(x+i)`` for ``n = c + k`` (``x = cμ/θ``, ``y = λ/θ``),
    summed in log space and truncated where the rest is below 5e-18 of the sum. With
    ``A = Σ_{k>=0} t_k`` and ``Z = (1-B)/B + A``:

    - ``p_wait = A/Z`` (PASTA: arrivals see the stationary distribution);
    - ``p_abandon = θ·E[queue]/λ = (Σ k·t_k)/(y·Z)``, and ``mean_wait = p_abandon/θ``
      (Little's law on the queue);
    - waiting time: an arrival that finds ``k`` others queued is reached by an agent after
      ``k + 1`` phases (queue-ahead shrinks at rate ``cμ + jθ`` with ``j`` ahead); its own
      patience runs out at rate θ. Summing the phase-type densities over the stationary
      weights gives the density of the offered wait V over all arrivals,
      ``g(v) = π(c)·cμ·exp(-cμv + y(1 - e^{-θv}))`` for v > 0, so
      ``service_level = P(no wait) + ∫_0^T e^{-θv} g(v) dv`` (answered iff patience > V),
      integrated numerically (adaptive quadrature around the integrand's single peak).

    The closed forms of Garnett, Mandelbaum & Reiman (2002) and Mandelbaum & Zeltyn give
    the same numbers (the tests compare them), but their incomplete gamma functions
    underflow for large systems where the chain sums do not.

    Limits: ``mean_patience=inf`` is Erlang C (no abandonment; unstable loads give
    ``mean_wait=inf``); ``mean_patience=0`` is the Erlang B loss system (``p_wait =
    p_abandon = B``, ``mean_wait = 0``, ``service_level = 1 - B``). ``threshold`` may be
    ``inf`` (fraction answered at all).

    Accuracy: about 1e-12 relative for realistic inputs (checked against an independent
    CTMC solution and the closed forms). Raises ``ValueError`` only when patience is so long
    relative to handling time (around 1e5 handling times or more, with an overloaded
    system) that the queue spans more than ~16 million states and the closed-form fallback
    would lose accuracy; Erlang C is then the right model.
    """
    lam = _non_negative("arrival_rate", arrival_rate)
    aht = _positive("mean_handling_time", mean_handling_time)
    patience = _non_negative("mean_patience", mean_patience, allow_inf=True)
    c = _servers(servers)
    t = _non_negative("threshold", threshold, allow_inf=True)
    load = lam * aht
    if load == 0.0:
        return ErlangAResult(
            p_wait=0.0,
            p_abandon=0.0,
            mean_wait=0.0,
            service_level=1.0,
            p_abandon_given_wait=0.0,
            occupancy=0.0,
        )
    if math.isinf(patience):
        erlang = erlang_c_metrics(lam, aht, c, t)
        return ErlangAResult(
            p_wait=erlang.p_wait,
            p_abandon=0.0,
            mean_wait=erlang.mean_wait,
            service_level=erlang.service_level,
            p_abandon_given_wait=0.0,
            occupancy=erlang.occupancy,
        )
    x = c * patience / aht  # cμ/θ
    y = lam * patience  # λ/θ
    if y == 0.0:  # zero patience (or so little that λ/θ underflows): a loss system
        blocking = erlang_b(c, load)
        return ErlangAResult(
            p_wait=blocking,
            p_abandon=blocking,
            mean_wait=0.0,
            service_level=1.0 - blocking,
            p_abandon_given_wait=1.0,
            occupancy=(1.0 - blocking) * load / c if c else 0.0,
        )
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError("mean_patience is too long for Erlang A; use erlang_c_metrics")

    log_a, log_s1_over_a, log_s2_over_a = _queue_tail_sums(x, y)
    log_b, log_1mb = _log_erlang_b(c, load)
    # Z = (1-B)/B + A; p_wait = A/Z = 1/(1 + r) with r = (1-B)/(B·A), kept in logs.
    log_r = log_1mb - log_b - log_a
    log_p_wait = -float(np.logaddexp(0.0, log_r))
    log_y = math.log(y)
    p_wait = math.exp(log_p_wait)
    p_no_wait = math.exp(-float(np.logaddexp(0.0, -log_r)))
    p_abandon_given_wait = min(math.exp(log_s2_over_a - log_y), 1.0)
    p_abandon = min(math.exp(log_p_wait + log_s2_over_a - log_y), p_wait)

    if c == 0:
        answered_after_wait = 0.0
    else:
        # Answered at all after waiting: π(c)·(x/y)·S1 (from (x+k)·t_k = y·t_{k-1}).
        answered_total = math.exp(log_p_wait + log_s1_over_a + math.log(x) - log_y)
        if math.isinf(t):
            answered_after_wait = answered_total
        else:
            theta = 1.0 / patience
            c_mu = c / aht
            answered_after_wait = min(
                _answered_after_wait(log_p_wait - log_a + math.log(c_mu), lam, c_mu, theta, t),
                answered_total,
            )
    return ErlangAResult(
        p_wait=p_wait,
        p_abandon=p_abandon,
        mean_wait=p_abandon * patience,
        service_level=min(p_no_wait + answered_after_wait, 1.0),
        p_abandon_given_wait=p_abandon_given_wait,
        occupancy=min((1.0 - p_abandon) * load / c, 1.0) if c else 0.0,
    )


# --- staffing -------------------------------------------------------------------------------


def servers_needed(target: Callable[[int], bool], lo: int = 1, hi: int = 10000) -> int:
    """Smallest ``c`` in ``[lo, hi]`` with ``target(c)`` true, by binary search.

    ``target`` must be monotone (false, ..., false, true, ..., true). Raises ``ValueError``
    when even ``hi`` misses the target, or the range is empty.
    """
    if lo < 0 or lo > hi:
        raise ValueError(f"need 0 <= lo <= hi, got lo={lo}, hi={hi}")
    if not target(hi):
        raise ValueError(f"no staffing level up to {hi} agents meets the target")
    while lo < hi:
        middle = (lo + hi) // 2
        if target(middle):
            hi = middle
        else:
            lo = middle + 1
    return lo


def _staffing_ceiling(load: float) -> int:
    # Ten standard deviations above the load: P(wait) is below 1e-20 there, for any model.
    return math.ceil(load + 10.0 * math.sqrt(load) + 20.0)


def erlang_c_staffing(
    arrival_rate: float, aht: float, threshold: float, service_level_target: float
) -> int:
    """Fewest agents whose Erlang C service level (P(W <= threshold)) reaches the target.

    ``service_level_target`` is a fraction in (0, 1). No arrivals needs 0 agents.
    """
    lam = _non_negative("arrival_rate", arrival_rate)
    handling = _positive("aht", aht)
    wait = _non_negative("threshold", threshold, allow_inf=True)
    goal = _fraction("service_level_target", service_level_target)
    load = lam * handling
    if load == 0.0:
        return 0

    def meets(c: int) -> bool:
        return erlang_c_metrics(lam, handling, c, wait).service_level >= goal

    return servers_needed(meets, lo=math.floor(load) + 1, hi=_staffing_ceiling(load))


def erlang_a_staffing(
    arrival_rate: float,
    aht: float,
    patience: float,
    threshold: float,
    service_level_target: float | None = None,
    max_abandon: float | None = None,
    *,
    max_mean_wait: float | None = None,
) -> int:
    """Fewest agents meeting every given Erlang A target.

    Targets (at least one): ``service_level_target`` (fraction of all arrivals answered
    within ``threshold``, in (0, 1)), ``max_abandon`` (fraction of arrivals who abandon, in
    (0, 1)), ``max_mean_wait`` (mean wait over all arrivals, > 0, in the time unit).
    No arrivals needs 0 agents.
    """
    lam = _non_negative("arrival_rate", arrival_rate)
    handling = _positive("aht", aht)
    mean_patience = _non_negative("patience", patience, allow_inf=True)
    wait = _non_negative("threshold", threshold, allow_inf=True)
    if service_level_target is None and max_abandon is None and max_mean_wait is None:
        raise ValueError("give service_level_target, max_abandon or max_mean_wait")
    sl_goal = (
        None
        if service_level_target is None
        else _fraction("service_level_target", service_level_target)
    )
    abandon_goal = None if max_abandon is None else _fraction("max_abandon", max_abandon)
    wait_goal = None if max_mean_wait is None else _positive("max_mean_wait", max_mean_wait)
    load = lam * handling
    if load == 0.0:
        return 0

    def meets(c: int) -> bool:
        result = erlang_a_metrics(lam, handling, mean_patience, c, wait)
        return (
            (sl_goal is None or result.service_level >= sl_goal)
            and (abandon_goal is None or result.p_abandon <= abandon_goal)
            and (wait_goal is None or result.mean_wait <= wait_goal)
        )

    return servers_needed(meets, lo=1, hi=_staffing_ceiling(load))
