"""Free cash flow, discounting and terminal values: numpy kernels on (n_draws, n_years) arrays.

Conventions
-----------
The valuation date is 1 January of the start year.  Year ``k`` (0-based)
is discounted by ``(1 + WACC)^-(k + 1)`` at the end of the year
(``"end"``) or ``(1 + WACC)^-(k + 0.5)`` at its middle (``"mid"``).  The
terminal value stands at the end of the last year ``N`` and is discounted by
``(1 + WACC)^-N``; under the mid-year convention the Gordon value, being a
perpetuity of the same mid-year flows, is ``(1 + WACC)^0.5`` larger, while the
exit multiple is a price at the end of year N and is not shifted.

Tax is charged on positive operating profit (EBIT) only, with no loss carried
forward: the simplest rule that never pays tax on a loss.
"""
from __future__ import annotations

import numpy as np

CONVENTIONS = ("mid", "end")


def _col(value) -> np.ndarray:
    """A per-path constant as a column that broadcasts over years."""
    return np.asarray(value, dtype=float)[..., None]


def free_cash_flow(revenue_cny, power_cny, other_opex_cny, depreciation_cny, capex_cny, tax_rate):
    """EBITDA, EBIT, tax, NOPAT and free cash flow per year.

    ``EBITDA = revenue - power - other opex``; ``EBIT = EBITDA - depreciation``;
    ``tax = rate * max(EBIT, 0)``; ``FCF = EBIT - tax + depreciation - capex``.

    Parameters
    ----------
    revenue_cny, power_cny, other_opex_cny, depreciation_cny, capex_cny : ndarray (n_draws, n_years)
    tax_rate : ndarray (n_draws,)

    Returns
    -------
    dict of ndarray (n_draws, n_years)
        ``ebitda_cny, ebit_cny, tax_cny, nopat_cny, fcf_cny``.
    """
    ebitda = np.asarray(revenue_cny, float) - power_cny - other_opex_cny
    ebit = ebitda - depreciation_cny
    tax = _col(tax_rate) * np.maximum(ebit, 0.0)
    nopat = ebit - tax
    return {"ebitda_cny": ebitda, "ebit_cny": ebit, "tax_cny": tax, "nopat_cny": nopat,
            "fcf_cny": nopat + depreciation_cny - capex_cny}


def discount_factors(wacc, n_years: int, convention: str = "mid") -> np.ndarray:
    """``(1 + WACC)^-(k + t)`` for years ``k = 0 .. n_years - 1``, ``t`` = 0.5 (mid) or 1 (end)."""
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    timing = np.arange(n_years) + (0.5 if convention == "mid" else 1.0)
    return (1.0 + _col(wacc)) ** -timing


def gordon_terminal_value(fcf_last_cny, wacc, growth) -> np.ndarray:
    """Value at the end of the last year of ``FCF_{N+1} = FCF_N (1 + g)`` growing at ``g`` forever.

    ``FCF_N (1 + g) / (WACC - g)``, end-of-year flows.  WACC <= g has no
    value; the priors refuse it at load, and this kernel refuses it again
    rather than return an infinity.
    """
    wacc, growth = np.asarray(wacc, float), np.asarray(growth, float)
    if np.any(wacc <= growth):
        raise ValueError("WACC <= long-run growth in some draw: the Gordon value is infinite")
    return np.asarray(fcf_last_cny, float) * (1.0 + growth) / (wacc - growth)


def exit_terminal_value(ebitda_last_cny, ev_ebitda_multiple) -> np.ndarray:
    """Value at the end of the last year as ``multiple * EBITDA_N`` (negative when EBITDA is)."""
    return np.asarray(ev_ebitda_multiple, float) * np.asarray(ebitda_last_cny, float)


def enterprise_values(fcf_cny, ebitda_cny, wacc, growth, ev_ebitda_multiple, convention: str = "mid") -> dict:
    """PV of explicit FCF, PV of both terminal values and the two enterprise values.

    Returns
    -------
    dict of ndarray (n_draws,)
        ``pv_explicit_cny``, ``tv_gordon_cny``, ``tv_exit_cny`` (at the end of the
        last year), ``pv_tv_gordon_cny``, ``pv_tv_exit_cny``, ``ev_gordon_cny``,
        ``ev_exit_cny``.
    """
    fcf = np.asarray(fcf_cny, float)
    n = fcf.shape[-1]
    pv_explicit = np.sum(fcf * discount_factors(wacc, n, convention), axis=-1)
    to_start = (1.0 + np.asarray(wacc, float)) ** -n
    shift = (1.0 + np.asarray(wacc, float)) ** 0.5 if convention == "mid" else 1.0
    tv_gordon = gordon_terminal_value(fcf[..., -1], wacc, growth)
    tv_exit = exit_terminal_value(np.asarray(ebitda_cny, float)[..., -1], ev_ebitda_multiple)
    pv_gordon, pv_exit = tv_gordon * shift * to_start, tv_exit * to_start
    return {"pv_explicit_cny": pv_explicit, "tv_gordon_cny": tv_gordon, "tv_exit_cny": tv_exit,
            "pv_tv_gordon_cny": pv_gordon, "pv_tv_exit_cny": pv_exit,
            "ev_gordon_cny": pv_explicit + pv_gordon, "ev_exit_cny": pv_explicit + pv_exit}
