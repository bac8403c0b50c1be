"""Daily token volume at a date, from the growth fit, as an assumption for the sampler."""
from __future__ import annotations

from datetime import date

from mc.distributions import Distribution
from mc.priors import Assumption


def volume_at_date(target: date, *, curve: str | None = None, data_path=None, fit_seed: int | None = None,
                   progressbar: bool = False) -> Assumption:
    """`tokens_per_day` as the growth posterior predictive at `target`.

    Each simulation draw takes one posterior predictive draw (resampled with the
    draw's own stream), so volume and the economic inputs vary together per draw.
    The fit keeps its own seed (`fit_seed`, default the growth module's), so a new
    simulation seed reuses the cached posterior instead of refitting. `progressbar`
    shows the sampler's progress when the fit is not yet cached (minutes, once).
    """
    from mc.growth import predictive_paths  # lazy: PyMC is heavy

    draws = predictive_paths([target], curve=curve, data_path=data_path, seed=fit_seed, progressbar=progressbar)[:, 0]
    label = f"growth fit ({curve or 'all curves, weighted'}) posterior predictive at {target.isoformat()}"
    return Assumption("tokens_per_day", Distribution("empirical", {"values": [float(v) for v in draws]}),
                      unit="tokens/day", source=label)
