"""Uncertainty about the inputs, as data: distributions, sampling and transforms.

An uncertainty file (``uncertainty/default.yaml`` is bundled) gives each uncertain input
a distribution, a one-line justification and a source. Two ways to sample, one set of
distributions:

* **Monte Carlo** (:meth:`Uncertainty.draw`) draws every input directly with
  :class:`numpy.random.Generator` (``beta``, ``gamma``, ``lognormal``, ``normal``,
  ``triangular``...; a truncated normal by its closed-form inverse CDF, and all sites'
  DiD pairs through one matrix product), at the speed of the generator;
* **designs on the unit hypercube** (Sobol, Morris, one-way; SALib's contract) map each
  column through its inverse CDF (:meth:`Uncertainty.transform`): closed forms where
  they exist, and for beta and gamma a cubic Hermite table of the quantile in
  normal-score space, built once per input from ``scipy.stats`` and checked on
  construction to be within 1e-10 in probability (``betaincinv``/``gammaincinv`` on
  every row cost 20-40 times more).

Two kinds of input:

* a **parameter input** sets (``apply: set``) or scales (``apply: scale``) one or more
  parameters of the :class:`~dsc_econ.inputs.parameters.ParameterSet`;
* a **DiD input** (``kind: did``) samples one site's difference-in-differences
  estimates from the binomial sampling error of its counts (Tables 7.5/7.6): two
  standard-normal columns are turned into the site's (ET/TT, SC/TT) pair through the
  Cholesky factor of their covariance, so the two estimates of a site move together
  consistently. Its two columns form a group for Sobol analysis.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

from ..inputs.limits import MAX_SD_LOG
from ..inputs.parameters import UNITS, ParameterError, ParameterSet, data_dir, read_yaml

__all__ = [
    "DISTRIBUTIONS",
    "Input",
    "Uncertainty",
    "load_uncertainty",
    "parameter_hash",
]

DISTRIBUTIONS: dict[str, tuple[set[str], set[str]]] = {
    "fixed": ({"value"}, set()),
    "uniform": ({"low", "high"}, set()),
    "triangular": ({"low", "mode", "high"}, set()),
    "normal": ({"mean", "sd"}, {"low", "high"}),
    "beta": (set(), {"alpha", "beta", "mean", "sd", "low", "high"}),
    "lognormal": (set(), {"median", "sd_log", "mean", "sd"}),
    "gamma": ({"mean", "sd"}, set()),
}
"""Distribution name -> (required keys, optional keys)."""

_ENTRY_KEYS = {
    "description",
    "parameter",
    "parameters",
    "apply",
    "distribution",
    "justification",
    "reference",
    "kind",
    "site",
    "group",
}
_EPS = 1e-12


class _Fixed:
    """A degenerate distribution: every quantile is the value."""

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def ppf(self, u: Any) -> np.ndarray:
        return np.full(np.shape(u), self.value)

    def cdf(self, x: Any) -> np.ndarray:
        return np.where(np.asarray(x) < self.value, 0.0, 1.0)

    def support(self) -> tuple[float, float]:
        return self.value, self.value


class _Dist:
    """A distribution named and parametrised as ``scipy.stats`` names it (shapes,
    ``loc``, ``scale``). Drawing and the closed-form quantiles need only these numbers;
    ``scipy.stats`` (a second of import) is loaded only when a method of the frozen
    scipy distribution is asked for (``cdf``, ``pdf``, ``ppf``, ``mean``...), e.g. to
    build a quantile table or to check the samplers in the tests."""

    def __init__(self, name: str, shapes: tuple[float, ...], loc: float, scale: float):
        self.name = name
        self.shapes = tuple(float(v) for v in shapes)
        self.loc, self.scale = float(loc), float(scale)
        self._frozen: Any = None

    @property
    def frozen(self) -> Any:
        """The frozen ``scipy.stats`` distribution."""
        if self._frozen is None:
            from scipy import stats

            maker = getattr(stats, self.name)
            self._frozen = maker(*self.shapes, loc=self.loc, scale=self.scale)
        return self._frozen

    def support(self) -> tuple[float, float]:
        name, loc, scale = self.name, self.loc, self.scale
        if name == "norm":
            return -np.inf, np.inf
        if name == "truncnorm":
            return loc + self.shapes[0] * scale, loc + self.shapes[1] * scale
        if name in ("lognorm", "gamma"):
            return loc, np.inf
        return loc, loc + scale  # uniform, triang, beta

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.frozen, attr)


MIN_TRUNCATED_MASS = 1e-9
"""Least probability a truncated normal's untruncated normal gives its [low, high]: below
it the mean lies so far outside the bounds that the quantiles are lost to rounding."""


def _frozen(spec: Mapping[str, Any], where: str) -> Any:
    """A distribution from a validated spec (:func:`_frozen_unchecked`), refused when
    its quantiles are not finite: an uncertainty file never makes an inf or a NaN."""
    name = spec.get("distribution")
    sd_log = spec.get("sd_log")
    if name == "lognormal" and isinstance(sd_log, (int, float)) and sd_log > MAX_SD_LOG:
        raise ParameterError(
            f"{where}: sd_log {sd_log:g} is above {MAX_SD_LOG:g} (a factor of "
            f"{np.exp(2.576 * MAX_SD_LOG):.0e} across the 99% interval); its extreme "
            "quantiles overflow"
        )
    dist = _frozen_unchecked(spec, where)
    if getattr(dist, "name", "") == "truncnorm":
        a, b = dist.shapes
        if a > 0:
            mass = special.ndtr(-a) - special.ndtr(-b)
        else:
            mass = special.ndtr(b) - special.ndtr(a)
        if not mass >= MIN_TRUNCATED_MASS:
            raise ParameterError(
                f"{where}: the mean lies {min(abs(a), abs(b)):.3g} standard deviations "
                f"outside [low, high] (the bounds hold a share {float(mass):.1e} of the "
                "normal); move the mean inside the bounds or widen sd"
            )
    sampler = _Sampler(dist)
    if sampler.name in ("beta", "gamma"):  # bounded, or finite tails: no table built here
        return dist
    ends = sampler.ppf(np.array([_EPS, 0.5, 1.0 - _EPS]))
    if not np.all(np.isfinite(ends)):
        raise ParameterError(
            f"{where}: the distribution's extreme quantiles are not finite numbers "
            f"(got {ends.tolist()}); narrow it"
        )
    return dist


def _frozen_unchecked(spec: Mapping[str, Any], where: str) -> Any:
    """A distribution (:class:`_Dist`, or :class:`_Fixed`) from a validated spec."""
    name = spec["distribution"]
    num = {
        k: v
        for k, v in spec.items()
        if k in DISTRIBUTIONS[name][0] | DISTRIBUTIONS[name][1]
    }
    for key, value in num.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"{where}: {key} must be a number, got {value!r}")
        if not np.isfinite(value):
            raise ParameterError(f"{where}: {key} must be finite, got {value!r}")

    def positive(key: str) -> float:
        if num[key] <= 0:
            raise ParameterError(f"{where}: {key} must be positive, got {num[key]!r}")
        return float(num[key])

    if name == "fixed":
        return _Fixed(num["value"])
    if name == "uniform":
        low, high = num["low"], num["high"]
        if low > high:
            raise ParameterError(f"{where}: low ({low}) > high ({high})")
        return _Fixed(low) if low == high else _Dist("uniform", (), low, high - low)
    if name == "triangular":
        low, mode, high = num["low"], num["mode"], num["high"]
        if not low <= mode <= high:
            raise ParameterError(
                f"{where}: need low <= mode <= high, got {low}, {mode}, {high}"
            )
        if low == high:
            return _Fixed(low)
        return _Dist("triang", ((mode - low) / (high - low),), low, high - low)
    if name == "normal":
        mean, sd = num["mean"], num["sd"]
        if sd < 0:
            raise ParameterError(f"{where}: sd must be >= 0, got {sd}")
        if sd == 0:
            return _Fixed(mean)
        low, high = num.get("low", -np.inf), num.get("high", np.inf)
        if low >= high:
            raise ParameterError(f"{where}: low ({low}) must be below high ({high})")
        if np.isinf(low) and np.isinf(high):
            return _Dist("norm", (), mean, sd)
        return _Dist("truncnorm", ((low - mean) / sd, (high - mean) / sd), mean, sd)
    if name == "beta":
        low, high = num.get("low", 0.0), num.get("high", 1.0)
        if low >= high:
            raise ParameterError(f"{where}: low ({low}) must be below high ({high})")
        if "alpha" in num or "beta" in num:
            if {"mean", "sd"} & set(num) or not {"alpha", "beta"} <= set(num):
                raise ParameterError(f"{where}: give either alpha and beta, or mean and sd")
            a, b = positive("alpha"), positive("beta")
        else:
            if not {"mean", "sd"} <= set(num):
                raise ParameterError(f"{where}: beta needs alpha and beta, or mean and sd")
            m = (num["mean"] - low) / (high - low)
            s = num["sd"] / (high - low)
            if not 0 < m < 1:
                raise ParameterError(
                    f"{where}: mean {num['mean']} must lie strictly inside ({low}, {high})"
                )
            if s == 0:
                return _Fixed(num["mean"])
            common = m * (1 - m) / s**2 - 1
            if s < 0 or common <= 0:
                raise ParameterError(
                    f"{where}: sd {num['sd']} is too large for a beta of mean {num['mean']}"
                    f" (needs sd < {np.sqrt(m * (1 - m)) * (high - low):.4g})"
                )
            a, b = m * common, (1 - m) * common
        return _Dist("beta", (a, b), low, high - low)
    if name == "lognormal":
        if "median" in num or "sd_log" in num:
            if not {"median", "sd_log"} <= set(num) or {"mean", "sd"} & set(num):
                raise ParameterError(
                    f"{where}: give either median and sd_log, or mean and sd"
                )
            median = positive("median")
            if num["sd_log"] < 0:
                raise ParameterError(f"{where}: sd_log must be >= 0, got {num['sd_log']}")
            if num["sd_log"] == 0:
                return _Fixed(median)
            return _Dist("lognorm", (num["sd_log"],), 0.0, median)
        if not {"mean", "sd"} <= set(num):
            raise ParameterError(
                f"{where}: lognormal needs median and sd_log, or mean and sd"
            )
        mean = positive("mean")
        if num["sd"] < 0:
            raise ParameterError(f"{where}: sd must be >= 0, got {num['sd']}")
        if num["sd"] == 0:
            return _Fixed(mean)
        sigma2 = np.log1p((num["sd"] / mean) ** 2)
        return _Dist("lognorm", (np.sqrt(sigma2),), 0.0, mean / np.exp(sigma2 / 2))
    if name == "gamma":
        mean = positive("mean")
        if num["sd"] < 0:
            raise ParameterError(f"{where}: sd must be >= 0, got {num['sd']}")
        if num["sd"] == 0:
            return _Fixed(mean)
        shape = (mean / num["sd"]) ** 2
        return _Dist("gamma", (shape,), 0.0, num["sd"] ** 2 / mean)
    raise ParameterError(f"{where}: unknown distribution {name!r}")  # pragma: no cover


_ZMAX = 7.05
"""Normal scores covered by the quantile tables: beyond the clipped probabilities
``_EPS`` and ``1 - _EPS`` (z = -7.03 and 7.03)."""
_TABLE_TOL = 1e-10
"""Largest error in probability allowed at the midpoints between table nodes."""


class _HermiteTable:
    """A monotone cubic Hermite quantile table for distributions without a closed-form
    inverse CDF (beta, gamma).

    It tabulates ``y(z)``, the quantile on a log scale (``log(x - loc)`` for a gamma,
    ``logit`` of the standardised value for a beta), on a uniform grid of normal scores
    ``z``: on those scales the quantile is smooth even in the tails (a beta with
    ``alpha < 1`` has ``log x`` close to a quadratic in ``z`` near 0), so a grid with
    the exact slopes ``dy/dz = phi(z) / (f(x) dx/dy)`` needs only a few thousand
    nodes. The grid is doubled until the largest error at the interval midpoints,
    measured with the exact CDF, is below :data:`_TABLE_TOL` and every interval meets
    the Fritsch-Carlson condition (so the table is monotone). A distribution no table
    reaches keeps scipy's inverse CDF (:attr:`ok` is false).
    """

    def __init__(self, dist: Any) -> None:
        from scipy import stats

        shapes, loc, scale = dist.shapes, dist.loc, dist.scale
        self.loc, self.scale = float(loc), float(scale)
        self.logit = dist.name == "beta"
        self.ok = False
        for power in range(9, 18):
            nodes = 2**power + 1
            z = np.linspace(-_ZMAX, _ZMAX, nodes)
            step = z[1] - z[0]
            phi = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if self.logit:  # both ends at full precision: 1 - X is Beta(b, a)
                    a, b = shapes
                    low = np.minimum(z, 0.0)
                    high = np.maximum(z, 0.0)
                    v = stats.beta(a, b).ppf(special.ndtr(low))  # lower half: X
                    w = stats.beta(b, a).ppf(special.ndtr(-high))  # upper half: 1 - X
                    upper = z > 0
                    std = np.where(upper, 1.0 - w, v)
                    rest = np.where(upper, w, 1.0 - v)
                    y = np.where(
                        upper, np.log1p(-w) - np.log(w), np.log(v) - np.log1p(-v)
                    )
                    dens = np.where(
                        upper, stats.beta(b, a).pdf(w), stats.beta(a, b).pdf(v)
                    )
                    slope = phi / (dens * std * rest)
                else:
                    x = np.where(
                        z <= 0, dist.ppf(special.ndtr(z)), dist.isf(special.ndtr(-z))
                    )
                    y = np.log(x - self.loc)
                    slope = phi / dist.pdf(x) / (x - self.loc)
            if not np.all(np.isfinite(y)):
                continue
            if not np.all(np.isfinite(slope)):
                slope = np.gradient(y, z)
            dy = np.diff(y)
            m0, m1 = slope[:-1] * step, slope[1:] * step
            if np.any(dy <= 0) or np.any((m0 / dy) ** 2 + (m1 / dy) ** 2 > 9):
                continue
            self.z0, self.inv_step, self.last = -_ZMAX, 1.0 / step, nodes - 2
            self.coef = np.stack(
                [y[:-1], m0, 3 * dy - 2 * m0 - m1, m0 + m1 - 2 * dy], axis=-1
            )
            mid = z[:-1] + step / 2
            xm = self(mid)
            err = np.where(
                mid <= 0,
                np.abs(dist.cdf(xm) - special.ndtr(mid)),
                np.abs(dist.sf(xm) - special.ndtr(-mid)),
            )
            if np.max(err) <= _TABLE_TOL:
                self.ok = True
                return

    def __call__(self, z: np.ndarray) -> np.ndarray:
        t = (z - self.z0) * self.inv_step
        with np.errstate(invalid="ignore"):  # NaN (not sampled) stays NaN through s
            i = np.clip(t.astype(np.intp), 0, self.last)
        s = t - i
        c = self.coef[i]
        y = c[..., 0] + s * (c[..., 1] + s * (c[..., 2] + s * c[..., 3]))
        if self.logit:
            return self.loc + self.scale * special.expit(y)
        return self.loc + np.exp(y)


class _Sampler:
    """Fast draws and quantiles of one validated distribution (a frozen scipy
    distribution, or :class:`_Fixed`).

    :meth:`draw` uses the generator's own samplers; :meth:`ppf` a closed form or a
    :class:`_HermiteTable` (built on first use); :meth:`cdf` is scipy's.
    """

    def __init__(self, dist: Any) -> None:
        self.dist = dist
        self._table: _HermiteTable | None = None
        if isinstance(dist, _Fixed):
            self.name, self.shapes, self.loc, self.scale = "fixed", (), dist.value, 0.0
            return
        self.name, self.shapes = dist.name, dist.shapes
        self.loc, self.scale = dist.loc, dist.scale

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws straight from the generator."""
        name, loc, scale, shp = self.name, self.loc, self.scale, self.shapes
        if name == "fixed":
            return np.full(n, loc)
        if name == "uniform":
            return loc + scale * rng.random(n)
        if name == "triang":
            return rng.triangular(loc, loc + shp[0] * scale, loc + scale, n)
        if name == "norm":
            return rng.normal(loc, scale, n)
        if name == "beta":
            return loc + scale * rng.beta(shp[0], shp[1], n)
        if name == "lognorm":
            return loc + scale * rng.lognormal(0.0, shp[0], n)
        if name == "gamma":
            return loc + rng.gamma(shp[0], scale, n)
        # truncated normal: its closed-form inverse CDF is as fast as a draw
        return self.ppf(rng.random(n))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles at probabilities ``u`` (already clipped inside (0, 1))."""
        name, loc, scale, shp = self.name, self.loc, self.scale, self.shapes
        if name == "fixed":
            return np.full(np.shape(u), loc)
        if name == "uniform":
            return loc + scale * u
        if name == "triang":
            c = shp[0]
            x = np.where(u < c, np.sqrt(u * c), 1.0 - np.sqrt((1.0 - u) * (1.0 - c)))
            return loc + scale * x
        if name == "norm":
            return loc + scale * special.ndtri(u)
        if name == "truncnorm":
            a, b = shp
            if a > 0:  # both bounds in the upper tail: work on the survival side
                pa, pb = special.ndtr(-a), special.ndtr(-b)
                return loc - scale * special.ndtri(pa - u * (pa - pb))
            pa, pb = special.ndtr(a), special.ndtr(b)
            return loc + scale * special.ndtri(pa + u * (pb - pa))
        if name == "lognorm":
            return loc + scale * np.exp(shp[0] * special.ndtri(u))
        if self._table is None:
            self._table = _HermiteTable(self.dist)
        if not self._table.ok:  # pragma: no cover - no allowed distribution so far
            return np.asarray(self.dist.ppf(u), dtype=float)
        return self._table(special.ndtri(u))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Probabilities of values ``x`` (the inverse of :meth:`ppf`)."""
        if self.name == "fixed":
            return np.full(np.shape(x), 0.5)
        return np.asarray(self.dist.cdf(x), dtype=float)


def _support(dist: Any) -> tuple[float, float]:
    if isinstance(dist, _Fixed):
        return dist.support()
    low, high = dist.support()
    return float(low), float(high)


@dataclass(frozen=True)
class Input:
    """One uncertain input: its columns of the sample matrix and how they act."""

    name: str
    kind: str  # "parameter" | "did"
    columns: tuple[str, ...]
    group: str
    description: str = ""
    justification: str = ""
    reference: dict[str, Any] = field(default_factory=dict)
    parameters: tuple[str, ...] = ()
    apply: str = "set"
    distribution: Any = None
    spec: dict[str, Any] = field(default_factory=dict)
    site: str | None = None
    sampler: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.sampler is None and self.kind == "parameter":
            object.__setattr__(self, "sampler", _Sampler(self.distribution))

    def quantile(self, u: Any) -> np.ndarray:
        """Values of a parameter input at probabilities ``u`` (its inverse CDF).

        Closed forms, or for beta and gamma a table within 1e-10 in probability of
        scipy's inverse CDF (:class:`_HermiteTable`); probabilities are clipped to
        [1e-12, 1 - 1e-12] so unbounded distributions stay finite.
        """
        if self.kind != "parameter":
            raise TypeError(f"{self.name}: a DiD input has no single quantile function")
        p = np.clip(np.asarray(u, dtype=float), _EPS, 1 - _EPS)
        return np.asarray(self.sampler.ppf(p), dtype=float)

    def base_value(self, params: ParameterSet) -> float:
        """The input's value at the point estimate (1 for a scale input)."""
        if self.kind != "parameter":
            raise TypeError(f"{self.name}: a DiD input has no single point value")
        if self.apply == "scale":
            return 1.0
        return float(np.asarray(params[self.parameters[0]]))


@dataclass(frozen=True)
class Uncertainty:
    """The uncertain inputs of an analysis and how to sample and apply them."""

    inputs: tuple[Input, ...]
    source: str = ""
    description: str = ""
    digest: str = ""

    @property
    def columns(self) -> list[str]:
        """Column names of the sample matrix, in order."""
        return [c for i in self.inputs for c in i.columns]

    @property
    def groups(self) -> list[str]:
        """Group name of every column (an input's own name unless grouped)."""
        return [i.group for i in self.inputs for _ in i.columns]

    def input(self, name: str, params: ParameterSet | None = None) -> Input:
        """The input called ``name``; a clear error for unknown names.

        With ``params``, ``name`` may also be a parameter key or alias (``gamma``,
        ``pathways.gamma``, ``abstinence``): the input that sets that parameter alone.
        """
        found = self.find(name, params)
        if found is not None:
            return found
        known = [i.name for i in self.inputs]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ParameterError(
            f"{self.source}: unknown uncertain input {name!r}{hint} (known: "
            f"{', '.join(known)})"
        )

    def find(self, name: str, params: ParameterSet | None = None) -> Input | None:
        """The input ``name`` names (input name, or with ``params`` a parameter spelling).

        Returns None when nothing matches.
        """
        for item in self.inputs:
            if item.name == name:
                return item
        if params is None or name not in params:
            return None
        key = params.key(name)
        for item in self.inputs:
            if item.kind == "parameter" and item.apply == "set" and item.parameters == (
                key,
            ):
                return item
        return None

    def label(self, item: Input, params: ParameterSet | None = None) -> str:
        """``input (parameter key)``: an input's name with the parameters it acts on."""
        if item.kind == "did":
            return f"{item.name} (site {item.site} DiD)"
        verb = "x " if item.apply == "scale" else ""
        return f"{item.name} ({verb}{', '.join(item.parameters)})"

    def problem(self, groups: bool = False) -> dict[str, Any]:
        """A SALib problem on the unit hypercube (one column per sample column)."""
        problem: dict[str, Any] = {
            "num_vars": len(self.columns),
            "names": self.columns,
            "bounds": [[0.0, 1.0]] * len(self.columns),
        }
        if groups:
            problem["groups"] = self.groups
        return problem

    def sample_unit(self, n: int, seed: int) -> np.ndarray:
        """``n`` rows of independent uniforms (Monte Carlo), reproducible by seed."""
        rng = np.random.default_rng(seed)
        return rng.random((n, len(self.columns)))

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` Monte Carlo rows drawn directly from the input distributions.

        Returns a *value matrix* of shape (n, columns), column-major so each column is
        contiguous: a parameter input's column holds its values (physical units, or
        the multiplier of a scale input), a DiD input's two columns standard normal
        scores (:meth:`from_values` turns them into the site's correlated DiD pair).
        The parameter inputs are drawn in file order, then all DiD scores at once, so
        the generator's state fixes every draw.
        """
        values = np.empty((n, len(self.columns)), order="F")
        col, did_cols = 0, []
        for item in self.inputs:
            if item.kind == "did":
                did_cols += [col, col + 1]
            else:
                values[:, col] = item.sampler.draw(rng, n)
            col += len(item.columns)
        if did_cols:
            values[:, did_cols] = rng.standard_normal((len(did_cols), n)).T
        return values

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """The unit-hypercube rows of a value matrix (each column's CDF); the inverse
        of the quantile step of :meth:`transform`."""
        unit = np.empty(values.shape)
        col = 0
        for item in self.inputs:
            width = len(item.columns)
            block = values[:, col : col + width]
            if item.kind == "did":
                unit[:, col : col + width] = special.ndtr(block)
            else:
                unit[:, col] = item.sampler.cdf(block[:, 0])
            col += width
        return unit

    def transform(
        self, unit: np.ndarray, params: ParameterSet, sites: Sequence[str]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Map unit-hypercube rows to parameter overrides and DiD arrays.

        Parameters
        ----------
        unit : ndarray, shape (n, columns)
        params : ParameterSet
            Point values the inputs act on (scale inputs multiply these).
        sites : sequence of str
            Sites of the appraisal (order of the DiD arrays' last axis).

        A NaN in ``unit`` means "not sampled": the parameter keeps its point value (a
        DiD input its mean, the DiD computed from the counts). One-way analyses use this.

        Returns
        -------
        overrides : dict
            Parameter name -> array (n,).
        dids : dict
            Empty, or ``did_effective`` and ``did_completions`` of shape (n, site) when
            any DiD input is present (sites without one keep their point estimate).
        """
        unit = np.asarray(unit, dtype=float)
        if unit.ndim != 2 or unit.shape[1] != len(self.columns):
            raise ValueError(
                f"sample matrix must have shape (n, {len(self.columns)}), got {unit.shape}"
            )
        values = np.empty(unit.shape, order="F")
        col = 0
        for item in self.inputs:
            width = len(item.columns)
            block = np.clip(unit[:, col : col + width], _EPS, 1 - _EPS)
            if item.kind == "did":
                values[:, col : col + width] = special.ndtri(block)
            else:
                values[:, col] = item.quantile(block[:, 0])
            col += width
        return self.from_values(values, params, sites, missing=np.isnan(unit))

    def from_values(
        self,
        values: np.ndarray,
        params: ParameterSet,
        sites: Sequence[str],
        missing: np.ndarray | None = None,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Parameter overrides and DiD arrays from a value matrix (:meth:`draw`).

        ``missing`` (same shape, optional) marks entries that were not sampled: those
        keep the point value. Returns what :meth:`transform` returns; all sites' DiD
        pairs come from one vectorised product of the scores with the sites' Cholesky
        factors (the block-diagonal matrix product without its zeros).
        """
        n = values.shape[0]
        if missing is not None and not missing.any():
            missing = None
        overrides: dict[str, np.ndarray] = {}
        col = 0
        did_inputs = []
        for item in self.inputs:
            width = len(item.columns)
            if item.kind == "did":
                did_inputs.append((item, col))
                col += width
                continue
            v = values[:, col]
            gap = None if missing is None else missing[:, col]
            col += width
            if gap is not None and gap.all():
                continue
            for name in item.parameters:
                point = np.asarray(overrides.get(name, params[name]), dtype=float)
                if item.apply == "scale":
                    new = point * (v if gap is None else np.where(gap, 1.0, v))
                else:
                    new = v if gap is None else np.where(gap, point, v)
                overrides[name] = np.broadcast_to(new, (n,))
        dids: dict[str, np.ndarray] = {}
        if did_inputs:
            point_et, point_sc, chosen = _did_context(params, tuple(sites), did_inputs)
            et = np.empty((n, len(sites)))
            sc = np.empty((n, len(sites)))
            et[:], sc[:] = point_et, point_sc
            if chosen is not None:
                cols, js, mean, chol = chosen
                z_et, z_sc = values[:, cols[0::2]], values[:, cols[1::2]]
                gap = None if missing is None else missing[:, cols]
                if gap is not None:
                    z_et = np.where(gap[:, 0::2], 0.0, z_et)
                    z_sc = np.where(gap[:, 1::2], 0.0, z_sc)
                # (z_et, z_sc) @ L.T + mean for every site at once (L lower-triangular)
                draw_et = mean[0] + chol[0, 0] * z_et
                draw_sc = mean[1] + chol[1, 0] * z_et + chol[1, 1] * z_sc
                if gap is None:
                    et[:, js], sc[:, js] = draw_et, draw_sc
                else:  # rows with neither column sampled keep the point DiD
                    sampled = ~(gap[:, 0::2] & gap[:, 1::2])
                    et[:, js] = np.where(sampled, draw_et, et[:, js])
                    sc[:, js] = np.where(sampled, draw_sc, sc[:, js])
            dids = {"did_effective": et, "did_completions": sc}
        return overrides, dids

    def frame(self) -> Any:
        """The inputs as a table: name, columns, target, distribution, source."""
        import pandas as pd

        rows = []
        for i in self.inputs:
            rows.append(
                {
                    "input": i.name,
                    "group": i.group,
                    "columns": ", ".join(i.columns),
                    "target": ", ".join(i.parameters)
                    if i.kind == "parameter"
                    else f"site {i.site} DiD",
                    "apply": i.apply if i.kind == "parameter" else "sample",
                    "distribution": _describe(i),
                    "justification": i.justification,
                    "reference": _ref_text(i.reference),
                }
            )
        return pd.DataFrame(rows).set_index("input")


def _describe(item: Input) -> str:
    if item.kind == "did":
        return "bivariate normal (binomial sampling error of the counts)"
    spec = {k: v for k, v in item.spec.items() if k in _all_distribution_keys()}
    return (
        f"{item.spec['distribution']}("
        + ", ".join(f"{k}={v}" for k, v in spec.items())
        + ")"
    )


def _all_distribution_keys() -> set[str]:
    return {k for req, opt in DISTRIBUTIONS.values() for k in req | opt}


def _ref_text(ref: Mapping[str, Any]) -> str:
    from ..inputs.citations import cite

    return cite(ref, style="short") if ref else ""


_DID_CACHE: dict[tuple[int, tuple[str, ...], tuple[str, ...]], Any] = {}


def _did_context(
    params: ParameterSet, sites: tuple[str, ...], did_inputs: list[tuple[Input, int]]
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Point DiDs of ``sites`` and the stacked means and Cholesky factors of the DiD
    inputs among them, computed once per parameter set (every block reuses them)."""
    key = (id(params), sites, tuple(f"{i.name}@{c}" for i, c in did_inputs))
    hit = _DID_CACHE.get(key)
    if hit is not None and hit[0] is params:
        return hit[1]
    from ..model.appraisal import site_impacts  # local: appraisal imports our users

    point = site_impacts(params, list(sites))
    used = [(item, c) for item, c in did_inputs if item.site in sites]
    chosen = None
    if used:
        cols = [c + i for _, c in used for i in (0, 1)]
        js = [sites.index(item.site or "") for item, _ in used]
        pairs = [did_distribution(params, item.site or "") for item, _ in used]
        mean = np.stack([m for m, _ in pairs], axis=-1)  # (2, k)
        chol = np.stack([c for _, c in pairs], axis=-1)  # (2, 2, k)
        chosen = (cols, js, mean, chol)
    context = (
        np.asarray(point["did_effective"], dtype=float),
        np.asarray(point["did_completions"], dtype=float),
        chosen,
    )
    _DID_CACHE.clear()  # one entry: the parameter set being analysed
    _DID_CACHE[key] = (params, context)
    return context


def did_distribution(params: ParameterSet, site: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Cholesky factor of a site's (ET/TT, SC/TT) DiD sampling distribution.

    Each of the four groups (pilot/comparison x pre/post) contributes the multinomial
    covariance of its shares: ``p_ET (1 - p_ET) / X``, ``p_SC (1 - p_SC) / X`` and, as
    every successful completion is also effective treatment, ``p_SC (1 - p_ET) / X``.
    The mean is the DiD computed from the counts.
    """
    base = f"sites.{site}.counts"
    mean = np.zeros(2)
    cov = np.zeros((2, 2))
    for area, sign_area in (("pilot", 1.0), ("comparison", -1.0)):
        for period, sign_period in (("pre", -1.0), ("post", 1.0)):
            x = float(params[f"{base}.{area}.{period}.total_in_treatment"])
            p_et = float(params[f"{base}.{area}.{period}.effective_treatment"]) / x
            p_sc = float(params[f"{base}.{area}.{period}.successful_completions"]) / x
            sign = sign_area * sign_period
            mean += sign * np.array([p_et, p_sc])
            cov += (
                np.array(
                    [
                        [p_et * (1 - p_et), p_sc * (1 - p_et)],
                        [p_sc * (1 - p_et), p_sc * (1 - p_sc)],
                    ]
                )
                / x
            )
    return mean, np.linalg.cholesky(cov)


def _check_support(item: Input, params: ParameterSet, where: str) -> None:
    low, high = _support(item.distribution)
    for name in item.parameters:
        unit = UNITS[params.meta(name).unit]
        if unit.kind != "number" or unit.integer:
            raise ParameterError(
                f"{where}: {name} ({params.meta(name).unit}) cannot be sampled"
                + ("; sample a site's counts with kind: did" if unit.integer else "")
            )
        base = np.asarray(params[name], dtype=float)
        if np.ndim(base):
            raise ParameterError(f"{where}: {name} is a list and cannot be sampled")
        lo, hi = (low * base, high * base) if item.apply == "scale" else (low, high)
        lo, hi = min(lo, hi), max(lo, hi)
        if unit.low is not None and lo < unit.low:
            raise ParameterError(
                f"{where}: {item.spec['distribution']} can give {name} = {lo:g}, below "
                f"{unit.low} ({unit.name}); use a bounded distribution (beta, uniform, "
                "triangular, truncated normal, lognormal or gamma)"
            )
        if unit.high is not None and hi > unit.high:
            raise ParameterError(
                f"{where}: {item.spec['distribution']} can give {name} = {hi:g}, above "
                f"{unit.high} ({unit.name}); probabilities and rates must stay in [0, 1]"
            )


def _check_combined(inputs: list[Input], params: ParameterSet, file: Path) -> None:
    """Inputs acting on one parameter, applied in order, must keep it in its range."""
    bounds: dict[str, tuple[float, float, list[str]]] = {}
    for item in inputs:
        if item.kind != "parameter":
            continue
        low, high = _support(item.distribution)
        for name in item.parameters:
            base = float(np.asarray(params[name]))
            lo, hi, who = bounds.get(name, (base, base, []))
            if item.apply == "set":
                lo, hi = low, high
            else:
                corners = [lo * low, lo * high, hi * low, hi * high]
                lo, hi = min(corners), max(corners)
            bounds[name] = (lo, hi, [*who, item.name])
    for name, (lo, hi, who) in bounds.items():
        if len(who) < 2:
            continue
        unit = UNITS[params.meta(name).unit]
        if (unit.low is not None and lo < unit.low) or (
            unit.high is not None and hi > unit.high
        ):
            raise ParameterError(
                f"{file}: inputs {', '.join(who)} together can put {name} at {lo:g} to "
                f"{hi:g}, outside its range ({unit.name})"
            )


def _entry(name: Any, entry: Any, file: Path, params: ParameterSet) -> Input:
    """One entry of an uncertainty file as an :class:`Input` (checked)."""
    where = f"{file}: inputs.{name}"
    if not isinstance(entry, dict):
        raise ParameterError(f"{where}: expected a mapping")
    kind = entry.get("kind", "parameter")
    dist_name = entry.get("distribution")
    if kind == "parameter" and dist_name not in DISTRIBUTIONS:
        known = sorted(DISTRIBUTIONS)
        raise ParameterError(
            f"{where}: unknown distribution {dist_name!r}, known: {known}"
        )
    allowed = set(_ENTRY_KEYS)
    if dist_name in DISTRIBUTIONS:
        allowed |= DISTRIBUTIONS[dist_name][0] | DISTRIBUTIONS[dist_name][1]
    unknown = set(entry) - allowed
    if unknown:
        raise ParameterError(f"{where}: unknown key(s) {sorted(unknown)}")
    if not str(entry.get("justification", "")).strip():
        raise ParameterError(f"{where}: needs a one-line 'justification'")
    if entry.get("reference") is not None and not isinstance(entry["reference"], dict):
        raise ParameterError(
            f"{where}: reference must be a mapping (document, table/section, page), got "
            f"{entry['reference']!r}"
        )
    common = {
        "name": str(name),
        "description": " ".join(str(entry.get("description", "")).split()),
        "justification": " ".join(str(entry["justification"]).split()),
        "reference": dict(entry.get("reference") or {}),
    }
    if kind == "did":
        extra = set(entry) - {
            "kind",
            "site",
            "group",
            "description",
            "justification",
            "reference",
        }
        if extra:
            raise ParameterError(
                f"{where}: a 'did' input samples the counts; it takes no "
                f"{sorted(extra)}"
            )
        site = str(entry.get("site", ""))
        if site not in params.impact_sites():
            raise ParameterError(
                f"{where}: site {site!r} has no DiD data; sites {params.impact_sites()}"
            )
        try:
            did_distribution(params, site)
        except np.linalg.LinAlgError:
            raise ParameterError(
                f"{where}: site {site}'s counts leave no sampling variation in one of "
                "its shares (e.g. everyone effective), so its DiD cannot be sampled"
            ) from None
        return Input(
            kind="did",
            columns=(f"{name}_et", f"{name}_sc"),
            group=str(entry.get("group", name)),
            site=site,
            **common,
        )
    if kind != "parameter":
        raise ParameterError(f"{where}: unknown kind {kind!r} (parameter or did)")
    missing = DISTRIBUTIONS[dist_name][0] - set(entry)
    if missing:
        raise ParameterError(f"{where}: {dist_name} needs {sorted(missing)}")
    targets = entry.get("parameters", entry.get("parameter"))
    targets = [targets] if isinstance(targets, str) else targets
    if not isinstance(targets, list) or not all(isinstance(x, str) for x in targets):
        raise ParameterError(
            f"{where}: 'parameter' must be a parameter name or 'parameters' a list of "
            f"names, got {targets!r}"
        )
    if not targets or ("parameter" in entry and "parameters" in entry):
        raise ParameterError(
            f"{where}: give 'parameter' (one) or 'parameters' (a list)"
        )
    for target in targets:
        if target not in params:
            raise ParameterError(f"{where}: {params._unknown(target)}")
    targets = [params.key(t) for t in targets]  # aliases name the same assumption
    alias_target = params.names.aliases.get(str(name)) if params.names else None
    if alias_target and (targets != [alias_target] or entry.get("apply") == "scale"):
        raise ParameterError(
            f"{where}: {name!r} is the alias of {alias_target} (parameters/names.yaml)"
            f" but this input {entry.get('apply', 'set')}s {', '.join(targets)}; one "
            "name per assumption: rename the input"
        )
    apply = entry.get("apply", "set")
    if apply not in ("set", "scale"):
        raise ParameterError(f"{where}: apply must be 'set' or 'scale', got {apply!r}")
    item = Input(
        kind="parameter",
        columns=(str(name),),
        group=str(entry.get("group", name)),
        parameters=tuple(targets),
        apply=apply,
        distribution=_frozen(entry, where),
        spec=dict(entry),
        **common,
    )
    _check_support(item, params, where)
    return item


def load_uncertainty(
    path: str | Path | None = None, params: ParameterSet | None = None
) -> Uncertainty:
    """Read and validate an uncertainty file (default: the parameter folder's own
    ``uncertainty/default.yaml`` if it has one, else the bundled
    ``uncertainty/default.yaml``).

    Every entry is checked against ``params`` (default: the bundled parameters):
    unknown parameter or site names, unknown keys, impossible distribution arguments
    (low > high, negative sd, beta sd too large) and distributions whose support leaves
    the target's unit range (a probability outside [0, 1], negative money) are errors
    naming the file and the entry.
    """
    from ..inputs.parameters import load_parameters
    from ..inputs.project import own_uncertainty_file

    params = params if params is not None else load_parameters()
    # no file given: the parameter set's own (a project's uncertainty/default.yaml),
    # else the bundled one
    file = (
        Path(path)
        if path is not None
        else own_uncertainty_file(params) or data_dir("uncertainty") / "default.yaml"
    )
    raw = read_yaml(file)
    if not isinstance(raw, dict) or not isinstance(raw.get("inputs"), dict):
        raise ParameterError(f"{file}: expected a top-level 'inputs' mapping")
    unknown_top = set(raw) - {"description", "inputs"}
    if unknown_top:
        raise ParameterError(f"{file}: unknown top-level key(s) {sorted(unknown_top)}")
    from ..inputs.limits import MAX_GROUPS

    if len(raw["inputs"]) > MAX_GROUPS:
        raise ParameterError(
            f"{file}: {len(raw['inputs']):,} inputs; at most {MAX_GROUPS:,} (README: What "
            "happens with bad input)"
        )
    inputs = []
    for name, entry in raw["inputs"].items():
        try:
            inputs.append(_entry(name, entry, file, params))
        except ParameterError:
            raise
        except (TypeError, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            # a safety net under the explicit checks: whatever else a value breaks is
            # still reported against the user's file and entry
            raise ParameterError(
                f"{file}: inputs.{name}: a value cannot be used ({exc})"
            ) from None
    if not inputs:
        raise ParameterError(f"{file}: no inputs")
    targets_seen: dict[str, str] = {}
    for item in inputs:
        if item.apply == "set":
            for target in item.parameters:
                if target in targets_seen:
                    raise ParameterError(
                        f"{file}: inputs.{item.name} and inputs.{targets_seen[target]} "
                        f"both set {target}"
                    )
                targets_seen[target] = item.name
    _check_combined(inputs, params, file)
    sites_seen = [i.site for i in inputs if i.kind == "did"]
    if len(sites_seen) != len(set(sites_seen)):
        raise ParameterError(f"{file}: a site has more than one DiD input")
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
    return Uncertainty(
        inputs=tuple(inputs),
        source=str(file),
        description=" ".join(str(raw.get("description", "")).split()),
        digest=digest,
    )


def parameter_hash(params: ParameterSet) -> str:
    """A short, stable hash of a parameter set's values (for reproducibility records)."""
    payload = {
        name: (np.asarray(v).tolist() if isinstance(v, np.ndarray) else v)
        for name, v in sorted(params.items())
    }
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
