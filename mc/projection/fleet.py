"""GPU fleet by vintage: purchases, survival, depreciation, power and NPV.

Pure numpy kernels on arrays shaped ``(n_draws, n_years)`` (or ``(n_draws,)``
for per-path constants); they loop over years and vintages only, never over
draws.  Year index ``k = 0`` is the start year.

Conventions
-----------
Capacity is counted in *start-year GPU equivalents*: a GPU bought in year ``k``
delivers ``(1 + g)^k`` times the FLOPS of a start-year GPU at the same price
and the same power (``g`` the yearly FLOPS-per-CNY improvement).

Depreciation with a fractional period ``D``: a vintage costing ``C`` is
depreciated by ``C / D`` in each of its first ``floor(D)`` years (ages
``0 .. floor(D) - 1``) and by the remainder ``C (D - floor(D)) / D`` at age
``floor(D)`` when that is positive.  It is in service exactly in the years in
which it is depreciated (ages ``0 .. ceil(D) - 1``) and retires after the last
of them.  So ``D = 6`` serves six years; ``D = 5.5`` serves six years and
books half a year's charge in its sixth.

Purchases: at the start of each year the fleet is topped up to the year's
peak requirement; the shortfall against the surviving vintages is bought new.
Nothing is sold when volume falls.  By default the fleet starts empty: the
start year buys its whole requirement; :func:`legacy_fleet` describes a fleet
already in service (used by the valuation).
"""
from __future__ import annotations

import numpy as np


HOURS_PER_YEAR = 365 * 24  # the report annualises with 365 days
WATTS_PER_KW = 1_000


def depreciation_fraction(age_years, depreciation_years):
    """Fraction of a vintage's cost charged in the year it has ``age_years`` (0 = bought).

    Parameters
    ----------
    age_years : int or array of int
        Whole years since purchase; negative ages (not yet bought) get 0.
    depreciation_years : float or array
        Depreciation period ``D`` > 0, possibly fractional.

    Returns
    -------
    ndarray
        ``1/D`` for ages below ``floor(D)``, ``(D - floor(D))/D`` at age
        ``floor(D)``, else 0; the fractions of a vintage sum to 1.
    """
    age = np.asarray(age_years, dtype=float)
    d = np.asarray(depreciation_years, dtype=float)
    whole = np.floor(d)
    full = (age >= 0) & (age < whole)
    last = age == whole
    return np.where(full, 1.0 / d, np.where(last, (d - whole) / d, 0.0))


def in_service(age_years, depreciation_years):
    """Whether a vintage of this age still serves: exactly while it is being depreciated."""
    return depreciation_fraction(age_years, depreciation_years) > 0


def vintage_fleet(required_gpu_equivalents, flops_multiple, depreciation_years, legacy_capacity=None):
    """GPUs bought each year and GPUs in service, topping up to each year's requirement.

    Parameters
    ----------
    required_gpu_equivalents : ndarray (n_draws, n_years)
        Capacity needed at peak in start-year GPU equivalents
        (the model's ``gpus`` with the start-year FLOPS per GPU).
    flops_multiple : ndarray (n_draws, n_years)
        FLOPS of a GPU bought that year over a start-year GPU, ``(1 + g)^k``.
    depreciation_years : ndarray (n_draws,)
    legacy_capacity : ndarray (n_draws, n_years), optional
        Start-year GPU equivalents of a fleet already in service before the
        start year, per year (see :func:`legacy_fleet`); purchases cover only
        the need above it.  Its GPUs are not counted in ``fleet_gpus``.

    Returns
    -------
    (gpus_purchased, fleet_gpus) : ndarrays (n_draws, n_years)
        Physical GPUs bought in each year, and in service during each year
        (surviving vintages plus that year's purchase).
    """
    need = np.asarray(required_gpu_equivalents, dtype=float)
    mult = np.broadcast_to(np.asarray(flops_multiple, dtype=float), need.shape)
    d = np.asarray(depreciation_years, dtype=float)
    n_years = need.shape[-1]
    bought = np.zeros_like(need)
    fleet = np.zeros_like(need)
    for year in range(n_years):
        surviving_gpus = np.zeros(need.shape[0])
        surviving_capacity = np.zeros(need.shape[0])  # start-year GPU equivalents
        for vintage in range(year):
            alive = in_service(year - vintage, d)
            surviving_gpus += bought[:, vintage] * alive
            surviving_capacity += bought[:, vintage] * mult[:, vintage] * alive
        if legacy_capacity is not None:
            surviving_capacity += legacy_capacity[:, year]
        bought[:, year] = np.maximum(need[:, year] - surviving_capacity, 0.0) / mult[:, year]
        fleet[:, year] = surviving_gpus + bought[:, year]
    return bought, fleet


def legacy_fleet(start_gpus, remaining_years, cost_per_gpu_cny, depreciation_years, n_years: int):
    """A fleet already in service at the start: GPUs in service and depreciation charge per year.

    The start fleet is one vintage of the start-year GPU (same FLOPS, price
    and power) with ``R`` years of depreciation left.  It serves while it is
    being depreciated: in year ``k`` its charge is ``cost / D * clip(R - k, 0, 1)``
    and it is in service when ``R - k > 0``.  Its book value at the start is
    ``cost * R / D``; nothing is bought for it (the cash was spent before the start).

    Parameters
    ----------
    start_gpus, remaining_years, cost_per_gpu_cny, depreciation_years : ndarray (n_draws,)
    n_years : int

    Returns
    -------
    (gpus_in_service, depreciation_cny) : ndarrays (n_draws, n_years)
    """
    k = np.arange(n_years)
    left = np.clip(np.asarray(remaining_years, dtype=float)[:, None] - k, 0.0, 1.0)
    gpus = np.asarray(start_gpus, dtype=float)[:, None]
    yearly_charge = gpus * np.asarray(cost_per_gpu_cny, dtype=float)[:, None] / np.asarray(
        depreciation_years, dtype=float)[:, None]
    return gpus * (left > 0), yearly_charge * left


def depreciation_by_year(capex_cny, depreciation_years):
    """Straight-line depreciation expense per year of the vintages bought so far.

    Parameters
    ----------
    capex_cny : ndarray (n_draws, n_years)
        Cash spent on GPUs in each year (one vintage per year).
    depreciation_years : ndarray (n_draws,)

    Returns
    -------
    ndarray (n_draws, n_years)
        ``sum_v capex_v * depreciation_fraction(year - v, D)``; charges of the
        last vintages that fall after the horizon are not shown.
    """
    capex = np.asarray(capex_cny, dtype=float)
    d = np.asarray(depreciation_years, dtype=float)
    out = np.zeros_like(capex)
    for year in range(capex.shape[-1]):
        for vintage in range(year + 1):
            out[:, year] += capex[:, vintage] * depreciation_fraction(year - vintage, d)
    return out


def power_cost_cny(fleet_gpus, gpu_power_w, pue, electricity_cny_per_kwh):
    """Electricity for every GPU in service at full draw all year, data-centre overhead included.

    ``gpus * W / 1000 * PUE * 8760 h * CNY/kWh`` per year.  Full draw is an
    upper bound: GPUs held for the peak draw less while idle.
    """
    kw = np.multiply(fleet_gpus, gpu_power_w) / WATTS_PER_KW
    return kw * pue * HOURS_PER_YEAR * electricity_cny_per_kwh


def net_present_value(cash_flows_cny, discount_rate):
    """Cash flows of each year discounted to the start year: ``sum_k CF_k / (1 + r)^k``.

    Parameters
    ----------
    cash_flows_cny : ndarray (n_draws, n_years)
        Year ``k = 0`` is the start year and is not discounted.
    discount_rate : ndarray (n_draws,) or float
    """
    cf = np.asarray(cash_flows_cny, dtype=float)
    k = np.arange(cf.shape[-1])
    factors = (1.0 + np.asarray(discount_rate, dtype=float))[..., None] ** -k
    return np.sum(cf * factors, axis=-1)


def prior_volume_paths(start_tokens_per_day, growth_multiple, persistence, n_years: int):
    """Average daily tokens per year from the start volume and a fading growth multiple.

    Year ``k >= 1`` grows by ``1 + (m - 1) p^(k-1)`` over year ``k - 1``: the
    first step is the multiple ``m``, and each later step keeps a share ``p``
    of the previous excess growth (``p = 1`` is constant growth; ``m < 1`` a
    decline that fades likewise).

    Returns
    -------
    ndarray (n_draws, n_years)
    """
    start = np.asarray(start_tokens_per_day, dtype=float)
    m = np.asarray(growth_multiple, dtype=float)[..., None]
    p = np.asarray(persistence, dtype=float)[..., None]
    steps = 1.0 + (m - 1.0) * p ** np.arange(n_years - 1)
    growth = np.concatenate([np.ones(start.shape + (1,)), np.cumprod(steps, axis=-1)], axis=-1)
    return start[..., None] * growth
