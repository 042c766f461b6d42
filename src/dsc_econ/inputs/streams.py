"""Benefit and cost streams outside the pathway tree, as data (``parameters/streams/``).

A stream is a yearly amount that the pathway tree does not value, such as section 7.3's
managerial savings of at least £60,000 a year. Each file ``streams/<name>.yaml`` gives
the leaves ``site`` (``programme`` or a site id), ``kind`` (``benefit`` or ``cost``),
``amount`` (£ thousand a year, with its price year), ``first_year`` (programme year of
the first amount: a lag of ``first_year - 1`` years), ``last_year``, ``perpetual`` and
``include_in_bcr``; the node's description and reference say what it is and where it
comes from. Streams with ``include_in_bcr: false`` are valued and shown on their own but
left out of costs, benefits, NPV, BCR and payback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .parameters import ParameterError

__all__ = ["STREAM_KEYS", "Stream", "load_streams"]

STREAM_KEYS = (
    "site",
    "kind",
    "amount",
    "first_year",
    "last_year",
    "perpetual",
    "include_in_bcr",
)
"""The leaves every stream defines."""


@dataclass(frozen=True)
class Stream:
    """One stream outside the pathway tree (amount in £ thousand a year)."""

    name: str
    site: str
    kind: str
    amount: Any
    first_year: int
    last_year: float
    perpetual: bool
    include_in_bcr: bool
    price_year: str | None = None
    description: str = ""
    reference: str = ""


def load_streams(params: Any) -> list[Stream]:
    """Every stream defined under ``streams.`` in a parameter set, checked.

    The amount may be a sample array (shape (n,)); years and switches must be point
    values.

    Raises
    ------
    ParameterError
        Naming the file and key, for a missing leaf, an unknown site, a sampled value or
        ``last_year`` before ``first_year``.
    """
    names = sorted({k.split(".")[1] for k in params if k.startswith("streams.")})
    out = []
    for name in names:
        base = f"streams.{name}"
        missing = [k for k in STREAM_KEYS if f"{base}.{k}" not in params]
        if missing:
            raise ParameterError(f"stream {name!r} has no {missing} (needs {STREAM_KEYS})")
        value = {}
        for key in STREAM_KEYS:
            v = params[f"{base}.{key}"]
            if np.ndim(v) and key != "amount":
                raise ParameterError(
                    f"{params.meta(f'{base}.{key}').source}: {base}.{key} must be one "
                    f"value, got an array of shape {np.shape(v)}"
                )
            value[key] = v
        site = str(value["site"])
        if site != "programme" and site not in params.sites():
            raise ParameterError(
                f"{params.meta(f'{base}.site').source}: {base}.site = {site!r} is not "
                f"'programme' or a site id ({params.sites()})"
            )
        first, last = int(value["first_year"]), float(value["last_year"])
        if first < 1 or (not value["perpetual"] and last < first):
            raise ParameterError(
                f"{params.meta(f'{base}.last_year').source}: {base} runs from year "
                f"{first} to {last:g}; first_year must be >= 1 and last_year >= first_year"
            )
        meta = params.meta(f"{base}.amount")
        out.append(
            Stream(
                name=name,
                site=site,
                kind=str(value["kind"]),
                amount=(
                    float(value["amount"])
                    if np.ndim(value["amount"]) == 0
                    else np.asarray(value["amount"], dtype=float)
                ),
                first_year=first,
                last_year=last,
                perpetual=bool(value["perpetual"]),
                include_in_bcr=bool(value["include_in_bcr"]),
                price_year=meta.price_year,
                description=meta.description,
                reference=str(meta.reference),
            )
        )
    return out
