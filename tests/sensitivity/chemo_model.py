"""The chemotherapy cost-effectiveness model of the R package voi, rebuilt in NumPy from
its published definition, for reference tests that need none of voi's (GPL) data.

Source of the definition: Heath, Kunst & Jackson (eds.), *Value of Information for
Healthcare Decision Making* (Chapman & Hall/CRC), the case study's model as published
in voi (https://github.com/chjackson/voi, ``R/model_chemo_source.R``, from
convoigroup/Chemotherapy_Book, and ``data-raw/chemo.R`` for the constants, version
1.0.3): a weekly four-state Markov model (home care, hospital, recovery, death) of
the patients who have side effects, over 52 weeks, plus long-term survival to 40
years, for standard of care (SoC) and a novel treatment that lowers the odds of side
effects. Net benefit at 20,000 pounds per QALY. Written here from that description,
not copied.

The constants are the model's inputs (trial counts and prior means and variances), not
its results.
"""

from __future__ import annotations

import numpy as np

# trial data
N_PATIENTS, N_SIDE_EFFECTS, N_HOSPITALISED, N_DIED = 111, 52, 43, 8
# priors: (mean, sd)
LOGOR = (np.log(0.54), 0.3)  # log odds ratio of side effects, novel vs SoC
RECOVERY_HOME = (0.21, 0.03)  # weekly recovery probability at home
RECOVERY_HOSPITAL = (0.03, 0.0065)  # weekly recovery probability in hospital
COST_HOME = (830.0, np.sqrt(150.0))  # per week at home
COST_HOSPITAL = (2400.0, np.sqrt(1880.0))  # per week in hospital
COST_DEATH = (1710.0, np.sqrt(760.0))  # one-off
UTILITY_RECOVERY = (0.98, np.sqrt(0.0008))
UTILITY_HOME = (0.7, np.sqrt(0.02))
UTILITY_HOSPITAL = (0.3, np.sqrt(0.03))
RATE_LONGTERM = (0.0475, np.sqrt(0.001))  # long-term mortality rate per year
DRUG_COST = (120.0, 1975.0)  # SoC, novel
WEEKS = 52  # the Markov model's horizon
LONGTERM_YEARS = 40
WTP = 20_000.0

PARAMETERS = (
    "p_side_effects_t1",
    "logor_side_effects",
    "p_hospitalised_total",
    "p_died",
    "lambda_home",
    "lambda_hosp",
    "c_home_care",
    "c_hospital",
    "c_death",
    "u_recovery",
    "u_home_care",
    "u_hospital",
    "rate_longterm",
)
"""The model's independent uncertain inputs (p_side_effects_t2 is derived)."""


def _beta(mean: float, sd: float) -> tuple[float, float]:
    a = ((1 - mean) / sd**2 - 1 / mean) * mean**2
    return a, a * (1 / mean - 1)


def _lognormal(mean: float, sd: float) -> tuple[float, float]:
    var_log = np.log1p(sd**2 / mean**2)
    return np.log(mean) - var_log / 2, np.sqrt(var_log)


def sample(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` independent draws of every uncertain input (the prior of the case study)."""
    m, s = RATE_LONGTERM
    return {
        "p_side_effects_t1": rng.beta(
            1 + N_SIDE_EFFECTS, 1 + N_PATIENTS - N_SIDE_EFFECTS, n
        ),
        "logor_side_effects": rng.normal(*LOGOR, n),
        "p_hospitalised_total": rng.beta(
            1 + N_HOSPITALISED, 1 + N_SIDE_EFFECTS - N_HOSPITALISED, n
        ),
        "p_died": rng.beta(1 + N_DIED, 1 + N_HOSPITALISED - N_DIED, n),
        "lambda_home": rng.beta(*_beta(*RECOVERY_HOME), n),
        "lambda_hosp": rng.beta(*_beta(*RECOVERY_HOSPITAL), n),
        "c_home_care": rng.lognormal(*_lognormal(*COST_HOME), n),
        "c_hospital": rng.lognormal(*_lognormal(*COST_HOSPITAL), n),
        "c_death": rng.lognormal(*_lognormal(*COST_DEATH), n),
        "u_recovery": rng.beta(*_beta(*UTILITY_RECOVERY), n),
        "u_home_care": rng.beta(*_beta(*UTILITY_HOME), n),
        "u_hospital": rng.beta(*_beta(*UTILITY_HOSPITAL), n),
        "rate_longterm": rng.gamma(m**2 / s**2, s**2 / m, n),
    }


def side_effects_t2(p1: np.ndarray, logor: np.ndarray) -> np.ndarray:
    """Probability of side effects on the novel treatment."""
    odds = p1 / (1 - p1) * np.exp(logor)
    return odds / (1 + odds)


def costs_effects(p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Expected costs and QALYs per patient, each shape (n, 2): SoC, novel."""
    p1 = np.asarray(p["p_side_effects_t1"], dtype=float)
    p_side = np.stack([p1, side_effects_t2(p1, p["logor_side_effects"])], axis=1)
    to_hospital = 1 - (1 - p["p_hospitalised_total"]) ** (1 / WEEKS)
    home_home = (1 - p["lambda_home"]) * (1 - to_hospital)
    home_recover = p["lambda_home"] * (1 - to_hospital)
    hospital_dead = 1 - (1 - p["p_died"]) ** (1 / WEEKS)
    hospital_hospital = (1 - p["lambda_hosp"]) * (1 - hospital_dead)
    hospital_recover = p["lambda_hosp"] * (1 - hospital_dead)
    longterm = 1 - np.exp(-p["rate_longterm"] / 52)
    # the trace is linear in the share starting with side effects: run it from 1
    home = np.ones_like(p1)
    hospital = np.zeros_like(p1)
    recovered = np.zeros_like(p1)
    dead = np.zeros_like(p1)
    weeks_home, weeks_hospital, weeks_recovered = (
        home.copy(),
        hospital.copy(),
        recovered.copy(),
    )
    for _ in range(WEEKS):
        home, hospital, recovered, dead = (
            home * home_home,
            home * to_hospital + hospital * hospital_hospital,
            home * home_recover + hospital * hospital_recover + recovered * (1 - longterm),
            hospital * hospital_dead + recovered * longterm + dead,
        )
        weeks_home += home
        weeks_hospital += hospital
        weeks_recovered += recovered
    cost_side = (
        p["c_home_care"] * weeks_home
        + p["c_hospital"] * weeks_hospital
        + p["c_death"] * dead
    ) / 52
    qaly_side = (
        p["u_home_care"] * weeks_home
        + p["u_hospital"] * weeks_hospital
        + p["u_recovery"] * weeks_recovered
    ) / 52
    # everyone alive at the end of the Markov model (with or without side effects)
    # faces long-term mortality; those who die later cost a death
    rate = p["rate_longterm"]
    alive = 1 - p_side * dead[:, None]  # (n, 2)
    cost_longterm = (
        alive * ((1 - np.exp(-rate * (LONGTERM_YEARS - 2))) * p["c_death"])[:, None]
    )
    years = (np.exp(-2 * rate) - np.exp(-LONGTERM_YEARS * rate)) / rate  # int_2^40 S(t) dt
    qaly_longterm = alive * (p["u_home_care"] * years)[:, None]
    costs = np.array(DRUG_COST)[None, :] + p_side * cost_side[:, None] + cost_longterm
    effects = (
        p_side * qaly_side[:, None]
        + (1 - p_side) * (p["u_recovery"] * (WEEKS + 1) / 52)[:, None]
        + qaly_longterm
    )
    return costs, effects


def net_benefit(p: dict[str, np.ndarray]) -> np.ndarray:
    """Net monetary benefit at 20,000 per QALY, shape (n, 2): SoC, novel."""
    costs, effects = costs_effects(p)
    return WTP * effects - costs
