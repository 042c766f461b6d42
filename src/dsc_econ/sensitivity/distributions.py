"""Uncertainty about the inputs, as data: distributions, sampling and transforms.

An uncertainty file (``uncertainty/default.yaml`` is bundled) gives each uncertain input
a distribution, a one-line justification and a source. Sampling follows SALib's
contract: every sampler works on the unit hypercube, and each column is mapped through
its distribution's inverse CDF (``scipy.stats``), so Sobol, Morris and Monte Carlo all
accept every distribution the file allows.

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
from scipy import special, stats

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

    def support(self) -> tuple[float, float]:
        return self.value, self.value


def _frozen(spec: Mapping[str, Any], where: str) -> Any:
    """A frozen scipy distribution (or :class:`_Fixed`) from a validated spec."""
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
        return _Fixed(low) if low == high else stats.uniform(low, high - low)
    if name == "triangular":
        low, mode, high = num["low"], num["mode"], num["high"]
        if not low <= mode <= high:
            raise ParameterError(
                f"{where}: need low <= mode <= high, got {low}, {mode}, {high}"
            )
        if low == high:
            return _Fixed(low)
        return stats.triang((mode - low) / (high - low), loc=low, scale=high - low)
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
            return stats.norm(mean, sd)
        return stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd)
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
        return stats.beta(a, b, loc=low, scale=high - low)
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
            return stats.lognorm(num["sd_log"], scale=median)
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
        return stats.lognorm(np.sqrt(sigma2), scale=mean / np.exp(sigma2 / 2))
    if name == "gamma":
        mean = positive("mean")
        if num["sd"] < 0:
            raise ParameterError(f"{where}: sd must be >= 0, got {num['sd']}")
        if num["sd"] == 0:
            return _Fixed(mean)
        shape = (mean / num["sd"]) ** 2
        return stats.gamma(shape, scale=num["sd"] ** 2 / mean)
    raise ParameterError(f"{where}: unknown distribution {name!r}")  # pragma: no cover


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

    def quantile(self, u: Any) -> np.ndarray:
        """Values of a parameter input at probabilities ``u`` (its inverse CDF)."""
        if self.kind != "parameter":
            raise TypeError(f"{self.name}: a DiD input has no single quantile function")
        p = np.clip(np.asarray(u, dtype=float), _EPS, 1 - _EPS)
        return np.asarray(self.distribution.ppf(p), dtype=float)

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
        overrides: dict[str, np.ndarray] = {}
        col = 0
        did_inputs = []
        for item in self.inputs:
            block = unit[:, col : col + len(item.columns)]
            col += len(item.columns)
            if item.kind == "did":
                did_inputs.append((item, block))
                continue
            u = block[:, 0]
            if np.all(np.isnan(u)):
                continue
            values = item.quantile(u)
            for name in item.parameters:
                point = np.asarray(overrides.get(name, params[name]), dtype=float)
                if item.apply == "scale":
                    new = point * np.where(np.isnan(u), 1.0, values)
                else:
                    new = np.where(np.isnan(u), point, values)
                overrides[name] = np.broadcast_to(new, (unit.shape[0],))
        dids: dict[str, np.ndarray] = {}
        if did_inputs:
            from ..model.appraisal import (
                site_impacts,
            )  # local: appraisal imports this module's users

            point = site_impacts(params, list(sites))
            n = unit.shape[0]
            et = np.tile(np.asarray(point["did_effective"], dtype=float), (n, 1))
            sc = np.tile(np.asarray(point["did_completions"], dtype=float), (n, 1))
            for item, block in did_inputs:
                if item.site not in sites:
                    continue
                j = list(sites).index(item.site)
                mean, chol = did_distribution(params, item.site)
                z = special.ndtri(np.clip(np.nan_to_num(block, nan=0.5), _EPS, 1 - _EPS))
                draws = mean + z @ chol.T
                sampled = ~np.isnan(block).all(axis=1)  # unsampled rows keep the point DiD
                et[sampled, j], sc[sampled, j] = draws[sampled, 0], draws[sampled, 1]
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
    """Read and validate an uncertainty file (default: ``uncertainty/default.yaml``).

    Every entry is checked against ``params`` (default: the bundled parameters):
    unknown parameter or site names, unknown keys, impossible distribution arguments
    (low > high, negative sd, beta sd too large) and distributions whose support leaves
    the target's unit range (a probability outside [0, 1], negative money) are errors
    naming the file and the entry.
    """
    from ..inputs.parameters import load_parameters

    file = Path(path) if path is not None else data_dir("uncertainty") / "default.yaml"
    params = params if params is not None else load_parameters()
    raw = read_yaml(file)
    if not isinstance(raw, dict) or not isinstance(raw.get("inputs"), dict):
        raise ParameterError(f"{file}: expected a top-level 'inputs' mapping")
    unknown_top = set(raw) - {"description", "inputs"}
    if unknown_top:
        raise ParameterError(f"{file}: unknown top-level key(s) {sorted(unknown_top)}")
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
