"""Multi-year projection (2025-2030 by default): GPU fleet and capex by vintage,
price erosion, power cost, fan charts and NPV.

    from mc.priors import load_priors
    from mc.projection import load_projection_priors, project, summarise_projection

    ds = project(load_priors(), load_projection_priors(), range(2025, 2031), 20_000, seed=1)
    table = summarise_projection(ds)

Modules: :mod:`priors` (the projection priors file), :mod:`fleet` (vintage
kernels and their conventions), :mod:`volume` (paths from the growth fit),
:mod:`model` (:func:`project`), :mod:`summary` (:func:`summarise_projection`).
"""
from mc.projection.fleet import (depreciation_by_year, depreciation_fraction, net_present_value, power_cost_cny,
                                 prior_volume_paths, vintage_fleet)
from mc.projection.model import PATH_OUTPUTS, YEARLY_OUTPUTS, evaluate_paths, project, year_range
from mc.projection.priors import (PROJECTION_INPUTS, default_projection_priors_path, has_power,
                                  load_projection_priors, projection_priors_from_dict)
from mc.projection.summary import summarise_projection
from mc.projection.volume import growth_volume_paths, path_rank_correlation

__all__ = [
    "PATH_OUTPUTS", "PROJECTION_INPUTS", "YEARLY_OUTPUTS", "default_projection_priors_path",
    "depreciation_by_year", "depreciation_fraction", "evaluate_paths", "growth_volume_paths", "has_power",
    "load_projection_priors", "net_present_value", "path_rank_correlation", "power_cost_cny",
    "prior_volume_paths", "project", "projection_priors_from_dict", "summarise_projection", "vintage_fleet",
    "year_range",
]
