"""95% intervals for the report card's numbers: how far a metric could move if the evaluation items were drawn again.

* A share of items (accuracy, over-refusal, MC1, chat format, preference accuracy): the Wilson score interval
  (Wilson, 1927), which stays inside [0, 1] and is not empty at 0 or 1 as the normal interval is.
* An attack success rate, averaged per behaviour first (HarmBench): the behaviour is the unit that was sampled, so
  the interval is Wilson's with n = the number of behaviours. Where a behaviour's attacks split, its rate lies
  between 0 and 1 and this interval is wider than the exact one: it errs on the side of calling less a change.
* A mean of graded values (gold and proxy reward, length, MC2): the mean plus or minus 1.96 standard errors.
* A score that is not a mean of items (BBQ's bias scores): the percentile bootstrap over items, with a fixed seed
  so that the same replies always give the same interval.

A difference between two stages that lies inside their intervals is not evidence of a change; `difference_interval`
gives the 95% interval of the difference itself, from the two estimates and their intervals.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from statistics import fmean, stdev

Z95 = 1.959964  # the standard normal's 97.5th percentile


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a share `successes / n` (successes may be fractional: a mean of per-unit rates)."""
    if n < 1:
        raise ValueError("no interval without items: n must be at least 1")
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} must lie between 0 and n = {n}")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # at p = 0 or 1 the formula lands on the end up to rounding: hold the share itself exactly
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def share_interval(outcomes: Sequence[bool | float]) -> tuple[float, float]:
    """Wilson interval of the mean of 0/1 outcomes (or of per-unit rates in [0, 1], one per sampled unit)."""
    return wilson(sum(float(o) for o in outcomes), len(outcomes))


def mean_interval(values: Sequence[float], lo: float = -math.inf, hi: float = math.inf) -> tuple[float, float]:
    """The mean plus or minus 1.96 standard errors, clipped to the metric's range [lo, hi]."""
    if len(values) < 2:
        raise ValueError("a mean's interval needs at least 2 values")
    m, half = fmean(values), Z95 * stdev(values) / math.sqrt(len(values))
    return max(lo, m - half), min(hi, m + half)


def bootstrap_interval(n: int, statistic: Callable[[list[int]], float], resamples: int = 1000,
                       seed: int = 0) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of `statistic(indices)` over `resamples` draws of n indices with replacement,
    widened where needed to hold the statistic of all n items (a skewed score can fall outside its percentiles)."""
    if n < 1:
        raise ValueError("no interval without items: n must be at least 1")
    rng = random.Random(seed)
    draws = sorted(statistic([rng.randrange(n) for _ in range(n)]) for _ in range(resamples))
    observed = statistic(list(range(n)))
    return min(observed, draws[int(0.025 * (resamples - 1))]), max(observed, draws[math.ceil(0.975 * (resamples - 1))])


def apart(a: Sequence[float], b: Sequence[float]) -> bool:
    """Do two intervals not overlap (the only case the course calls a difference between two stages)?"""
    return a[1] < b[0] or b[1] < a[0]


def difference_interval(a: float, a_interval: Sequence[float],
                        b: float, b_interval: Sequence[float]) -> tuple[float, float]:
    """95% interval of a - b from each estimate and its own 95% interval, by square-and-add (Newcombe, 1998, method
    10, for two Wilson intervals; Zou and Donner's MOVER, 2008, for any two): each end of the difference moves by the
    root of the sum of squares of the two intervals' half-widths on that side. It treats the two as independent; two
    stages judged on the same items are positively correlated, so the interval errs on the wide side."""
    (a_lo, a_hi), (b_lo, b_hi) = a_interval, b_interval
    if not (a_lo <= a <= a_hi and b_lo <= b <= b_hi):
        raise ValueError(f"each estimate must lie in its interval: {a} in {a_interval}, {b} in {b_interval}")
    d = a - b
    return d - math.hypot(a - a_lo, b_hi - b), d + math.hypot(a_hi - a, b - b_lo)
