"""Sensitivity by perspective or agency: which NPV the analyses sample (issue 22).

By default every sensitivity method samples the appraisal's NPV. Inside
:func:`outcome` the engine's evaluations return instead the ledger's totals of one
perspective (``fiscal_npv``, ``economic_npv``, ``social_npv``) and/or one agency
(:func:`dsc_econ.model.ledger.outcome_totals`): the same samples, the same seed, a
different budget holder's NPV. The additionality parameters (``additionality.*``) act
on these outcomes, so they are uncertain inputs like any other once an uncertainty file
names them.

The choice is a module-level state (not a context variable) so the engine's worker
threads see it; one analysis runs at a time per process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..inputs.parameters import ParameterError
from ..model.ledger import OUTCOMES, load_vocabulary, outcome_totals

__all__ = ["OUTCOMES", "current", "describe", "outcome", "totals"]

_STATE: dict[str, Any] = {"choice": None}


def current() -> tuple[str, str | None] | None:
    """The ``(outcome, agency)`` in force, or None for the appraisal's NPV."""
    return _STATE["choice"]


def describe(name: str = "npv", agency: str | None = None) -> str:
    """Plain words for an outcome: ``fiscal NPV of the NHS``."""
    what = {
        "npv": "NPV",
        "fiscal_npv": "fiscal NPV (public budgets)",
        "economic_npv": "economic NPV",
        "social_npv": "social NPV (all values)",
    }[name]
    return what + (f" of {agency}" if agency else "")


@contextmanager
def outcome(
    name: str = "npv", agency: str | None = None, params: Any = None
) -> Iterator[None]:
    """Evaluate ``name`` (and ``agency``'s share of it) inside the block.

    Raises
    ------
    ParameterError
        An unknown outcome or agency (of the parameter set's vocabulary).
    """
    if name not in OUTCOMES:
        raise ParameterError(f"--outcome {name!r}: choose one of {list(OUTCOMES)}")
    if agency is not None:
        vocab = load_vocabulary(params)
        if agency not in vocab.agencies:
            raise ParameterError(
                f"--agency {agency!r}: unknown agency; known: "
                f"{', '.join(vocab.agencies)} ({vocab.source})"
            )
    before = _STATE["choice"]
    _STATE["choice"] = None if (name == "npv" and agency is None) else (name, agency)
    try:
        yield
    finally:
        _STATE["choice"] = before


def totals(
    params: Any, sites: Sequence[str], dids: dict[str, Any], res: dict[str, Any]
) -> dict[str, Any]:
    """The engine's hook: ``res`` (the appraisal's totals) unless an outcome is chosen,
    else that outcome's totals for the same sampled parameters and DiD estimates.
    A BCR with no cost in the selection is NaN, so P(BCR > 1) is then 0; read
    P(NPV > 0) instead."""
    choice = _STATE["choice"]
    if choice is None:
        return res
    name, agency = choice
    out = outcome_totals(params, sites, name, agency, **dids)
    shape = np.broadcast_shapes(*(np.shape(v) for v in (*res.values(), *out.values())))
    return {k: np.broadcast_to(out[k], shape) for k in res}
