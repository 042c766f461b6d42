"""Checks on the samples that value of information estimates from (issue 18).

EVPI is a mean over samples of an opportunity loss: with one sample there is no mean of
a distribution, only one draw, and its standard error is undefined. EVPPI regresses net
benefit on the sampled inputs: with fewer samples than terms the fit is exact (R² = 1)
and explains noise, so a "100% of EVPI" share is an artefact. And a NaN or inf net
benefit makes every estimate NaN. These checks refuse such input by name, before any
estimate is made.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..inputs.limits import MIN_VOI_SAMPLES

__all__ = ["check_net_benefits"]


def check_net_benefits(values: Any, what: str, minimum: int = MIN_VOI_SAMPLES) -> None:
    """Refuse net benefits (samples first) that are not finite or too few.

    Parameters
    ----------
    values : array_like, shape (sample, ...)
    what : str
        The estimator, for the message (``"evpi"``, ``"evppi"``).
    minimum : int
        Fewest samples the estimator needs.
    """
    arr = np.asarray(values, dtype=float)
    n = arr.shape[0] if arr.ndim else 0
    if n < minimum:
        raise ValueError(
            f"{what}: {n} sample(s) of net benefit; it needs at least {minimum:,} (with "
            "fewer, the estimate and its standard error are not defined or the regression "
            "fits noise exactly)"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        index = np.argwhere(bad)[0]
        raise ValueError(
            f"{what}: net benefit of sample {int(index[0])} is {float(arr[tuple(index)])} "
            "(not a finite number); the model run that gave it is impossible"
        )
