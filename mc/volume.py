"""Daily token volume at a date, from the growth fit, as an assumption for the sampler."""
from __future__ import annotations

from datetime import date

from mc.distributions import Distribution
from mc.priors import Assumption


def volume_at_date(target: date, *, curve: str | None = None, data_path=None, fit_seed: int | None = None) -> Assumption:
    """`tokens_per_day` as the growth posterior predictive at `target`.

    Each simulation draw takes one posterior predictive draw (resampled with the
    draw's own stream), so volume and the economic inputs vary together per draw.
    The fit keeps its own seed (`fit_seed`, default the growth module's), so a new
    simulation seed reuses the cached posterior instead of refitting.
    """
    from mc.growth import predictive_tokens_per_day  # lazy: PyMC is heavy

    draws = predictive_tokens_per_day(target, curve=curve, data_path=data_path, seed=fit_seed)
    label = f"growth fit ({curve or 'default curve'}) posterior predictive at {target.isoformat()}"
    return Assumption("tokens_per_day", Distribution("empirical", {"values": [float(v) for v in draws]}),
                      unit="tokens/day", source=label)
