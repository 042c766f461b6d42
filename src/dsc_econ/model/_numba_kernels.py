"""numba loops behind :mod:`dsc_econ.model.compiled` (imported only when first used).

Compiled eagerly for one signature (read-only float64 arrays of any layout, so
broadcast views of scalars cost nothing) and cached on disk by numba.
"""

from __future__ import annotations

import os

import numba
from numba import float64, types

_VEC = types.Array(float64, 1, "A", readonly=True)
_MAT = types.Array(float64, 2, "A", readonly=True)
_OUT1 = types.Array(float64, 1, "C")
_OUT2 = types.Array(float64, 2, "C")


def _jit(signature: types.Type) -> numba.core.dispatcher.Dispatcher:
    cache = os.environ.get("DSC_ECON_NUMBA_CACHE", "1") != "0"  # "0": no writable cache
    return numba.njit(signature, cache=cache, nogil=True, error_model="numpy")


@_jit(types.void(_VEC, _VEC, _VEC, _VEC, _VEC, _VEC, _VEC, _MAT, _OUT1, _OUT1))
def present_values(u0, h, n_t, n_p, keep_u, first, keep_a, factors, short, long_):
    """B^A (short) and the long-term value per sample: valuation.present_values."""
    horizon = factors.shape[0]
    for r in range(short.shape[0]):
        nt = n_t[r]
        n_all = nt + n_p[r]
        ku, f, ka, big_u, hh = keep_u[r], first[r], keep_a[r], u0[r], h[r]
        s = 0.0
        lt = 0.0
        u_factor = 1.0
        u_started = False
        a_factor = 1.0
        a_started = False
        for i in range(horizon):
            if i >= n_all:
                break
            t = i + 1.0
            d = factors[i, r]
            e = t - f + 1.0
            if e > 0.0:
                if u_started:
                    u_factor *= ku
                else:
                    u_factor = ku**e
                    u_started = True
            u = big_u * u_factor
            share_in = min(max(nt - i, 0.0), 1.0)
            s += d * share_in * (u - hh)
            share_after = min(max(n_all - i, 0.0), 1.0) - share_in
            if share_after != 0.0:
                ea = t - nt
                if ea > 0.0:
                    if a_started:
                        a_factor *= ka
                    else:
                        a_factor = ka**ea
                        a_started = True
                else:
                    a_factor = 1.0
                lt += d * share_after * (u - hh * a_factor)
        short[r] = s
        long_[r] = lt


@_jit(types.void(_MAT, _MAT, *([_VEC] * 5), _MAT, *([_OUT2] * 4)))
def site_totals(
    did_et, did_sc, x1, base_sc, unit_et, unit_sc, share, cost, total, c_out, npv, bcr
):
    """Benefits, costs, NPV and BCR per sample and site: appraisal_arrays' totals."""
    for r in range(total.shape[0]):
        ue, uc, sh = unit_et[r], unit_sc[r], share[r]
        for j in range(total.shape[1]):
            v = (sh * (did_et[r, j] * x1[j]) * ue) / 1000.0 + (
                sh * (did_sc[r, j] * base_sc[j]) * uc
            ) / 1000.0
            c = cost[r, j]
            total[r, j] = v
            c_out[r, j] = c
            npv[r, j] = v - c
            bcr[r, j] = v / c

