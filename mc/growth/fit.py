"""Fit a growth curve with NUTS, check convergence, cache the posterior.

A fit is keyed by everything that changes its numbers (data rows, priors,
curve, cut-off date, draws, tuning, target acceptance, chains, seed, sampler,
mc version).

The sampler is nutpie (Rust NUTS) on the model's log density compiled with
numba (:mod:`mc.growth.logdensity`, cached on disk after the first run): a few
seconds a curve. PyMC's own NUTS on the PyMC model (:mod:`mc.growth.model`, of
which the compiled density is a checked copy) is the reference, with
``sampler="pymc"``. Both are gated the same way. A fit that fails
the gate is refit once automatically with a higher target acceptance
(:data:`RETRY_TARGET_ACCEPT`) and :data:`RETRY_TUNE_FACTOR` times the tuning and :data:`RETRY_DRAWS_FACTOR` times the draws
before anything is refused; the diagnostics record how many attempts it took. The posterior is
stored as an .npz of its arrays in the cache folder under that key, and the key is also
written into the file's attributes so that a file made from other inputs is
detected and refitted rather than trusted.
"""
from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from mc.cache import default_cache_dir
from mc.errors import InputError
from mc.growth.curves import get_curve
from mc.growth.data import TokenUsage
from mc.growth.model import NOISE_PARAMS
from mc.growth.priors import GrowthPriors

MAX_RHAT = 1.01
MIN_ESS = 400
DEFAULT_DRAWS = 1000
DEFAULT_TUNE = 1000
DEFAULT_CHAINS = 4
DEFAULT_CORES = 1  # PyMC: forking workers costs more than it saves on these tiny models (nutpie uses threads)
RETRY_TARGET_ACCEPT = 0.995
RETRY_TUNE_FACTOR = 3
RETRY_DRAWS_FACTOR = 2  # a longer chain as well: R-hat and ESS are what the gate reads
SAMPLERS = ("auto", "nutpie", "pymc")


@dataclass(frozen=True)
class Diagnostics:
    """Convergence of one fit: worst R-hat, smallest bulk and tail ESS, divergences."""

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    seconds: float
    attempts: int = 1
    sampler: str = ""

    def problems(self) -> list[str]:
        """What fails the gate (empty when the fit converged)."""
        found = []
        # compared as reported, at three decimals: 1.0100 is at the limit, not above it
        if not round(self.max_rhat, 3) <= MAX_RHAT:
            found.append(f"max R-hat {self.max_rhat:.3f} > {MAX_RHAT}")
        if self.divergences:
            found.append(f"{self.divergences} divergent transition(s)")
        if not self.min_ess_bulk >= MIN_ESS:
            found.append(f"min bulk ESS {self.min_ess_bulk:.0f} < {MIN_ESS}")
        if not self.min_ess_tail >= MIN_ESS:
            found.append(f"min tail ESS {self.min_ess_tail:.0f} < {MIN_ESS}")
        return found

    def to_dict(self) -> dict:
        return {"max_rhat": self.max_rhat, "min_ess_bulk": self.min_ess_bulk, "min_ess_tail": self.min_ess_tail,
                "divergences": self.divergences, "seconds": self.seconds, "attempts": self.attempts,
                "sampler": self.sampler}


@dataclass(frozen=True)
class GrowthFit:
    """A fitted curve: its posterior and how it was made.

    Attributes
    ----------
    curve : str
    idata : arviz.InferenceData (posterior, sample_stats, log_likelihood, observed_data)
    data : TokenUsage, the rows the curve was fitted on
    priors : GrowthPriors
    until : datetime.date or None, the cut-off date
    cache_key : str
    from_cache : bool, True when the posterior was loaded rather than sampled
    diagnostics : Diagnostics
    """

    curve: str
    idata: object
    data: TokenUsage
    priors: GrowthPriors
    until: date | None
    cache_key: str
    from_cache: bool
    diagnostics: Diagnostics

    @property
    def as_of(self) -> date:
        """The date of the data: the last fitted row."""
        return self.data.dates[-1]

    def posterior_draws(self) -> dict[str, np.ndarray]:
        """Each named parameter as a 1-D array, chains then draws (deterministic order)."""
        post = self.idata.posterior
        names = [*self.priors.for_curve(self.curve), *NOISE_PARAMS]
        return {n: np.asarray(post[n].values, dtype=float).reshape(-1) for n in names}


def cache_key(data: TokenUsage, priors: GrowthPriors, curve: str, *, until, draws: int, tune: int,
              chains: int, seed: int, target_accept: float | None = None, sampler: str = "pymc") -> str:
    """SHA-256 over everything that changes a fit's numbers."""
    from mc import __version__

    parts = {"data": data.canonical_text(), "priors": priors.content_hash(), "curve": curve,
             "until": until.isoformat() if until else None, "draws": draws, "tune": tune, "chains": chains,
             "seed": seed, "target_accept": target_accept, "sampler": sampler, "mc_version": __version__}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def resolve_sampler(sampler: str = "auto") -> str:
    """"nutpie" for "auto" (nutpie's Rust NUTS on the compiled density of :mod:`mc.growth.logdensity`)
    when nutpie is installed, else "pymc" (PyMC's NUTS on :mod:`mc.growth.model`, the reference)."""
    if sampler not in SAMPLERS:
        raise InputError("--sampler", "", f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    if sampler == "pymc":
        return sampler
    try:
        import nutpie  # noqa: F401
    except ImportError:
        if sampler == "nutpie":
            raise InputError("--sampler", "nutpie", "nutpie is not installed (pip install nutpie)") from None
        return "pymc"
    return "nutpie"


def fit_growth(data: TokenUsage, priors: GrowthPriors, curve: str, *, until: date | None = None,
               draws: int = DEFAULT_DRAWS, tune: int = DEFAULT_TUNE, chains: int = DEFAULT_CHAINS,
               cores: int = DEFAULT_CORES, seed: int = 0, cache_dir: str | Path | None = None,
               use_cache: bool = True, allow_unconverged: bool = False, progressbar: bool = False,
               sampler: str = "auto", retry: bool = True) -> GrowthFit:
    """Fit `curve` to the rows on or before `until`, or load the cached fit.

    Parameters
    ----------
    data : TokenUsage
        All announcements; rows after `until` are left out.
    priors : GrowthPriors
    curve : str
        One of :data:`mc.growth.curves.CURVE_NAMES`.
    until : datetime.date, optional
        Fit only rows dated on or before this day.
    draws, tune, chains : int
        NUTS draws and tuning steps per chain, and the number of chains.
    cores : int
        Worker processes for PyMC (1 or 2); nutpie always uses two threads.
    seed : int
        Seeds the sampler; the fit is reproducible.
    cache_dir : path-like, optional
        Default :func:`default_cache_dir`.
    use_cache : bool
        Load a matching cached posterior and store new ones.
    allow_unconverged : bool
        Return a fit that fails the convergence gate (after the retry) instead of raising.
    progressbar : bool
        Show the sampler's progress (the CLI turns it on for a terminal).
    sampler : str
        "auto" (nutpie if installed), "nutpie" or "pymc".
    retry : bool
        Refit once with target acceptance :data:`RETRY_TARGET_ACCEPT` and
        :data:`RETRY_TUNE_FACTOR` times the tuning and RETRY_DRAWS_FACTOR times the draws when the first fit fails the gate.

    Raises
    ------
    InputError
        Fewer than two rows to fit, or the fit failed the gate (max R-hat above
        1.01, any divergence, bulk or tail ESS below 400) after the retry,
        without `allow_unconverged`.
    """
    chosen = get_curve(curve)
    fitted = data.until(until)
    if len(fitted) < 2:
        where = f"on or before {until.isoformat()}" if until else "in the file"
        raise InputError(data.path, "rows", f"{len(fitted)} row(s) {where}; a growth fit needs at least 2")
    settings = [(tune, chosen.target_accept, draws)]
    if retry:
        settings.append((tune * RETRY_TUNE_FACTOR, max(RETRY_TARGET_ACCEPT, chosen.target_accept),
                         draws * RETRY_DRAWS_FACTOR))
    sampler = resolve_sampler(sampler)
    for attempt, (tune_now, accept, draws_now) in enumerate(settings, start=1):
        result = _fit_once(fitted, priors, curve, until=until, draws=draws_now, tune=tune_now, target_accept=accept,
                           chains=chains, cores=cores, seed=seed, cache_dir=cache_dir, use_cache=use_cache,
                           progressbar=progressbar, sampler=sampler, attempt=attempt)
        if not result.diagnostics.problems():
            break
    check_converged(result, allow_unconverged=allow_unconverged)
    return result


def _fit_once(fitted: TokenUsage, priors: GrowthPriors, curve: str, *, until, draws, tune, target_accept, chains,
              cores, seed, cache_dir, use_cache, progressbar, sampler, attempt) -> GrowthFit:
    """One sampler run (or its cached result) with fixed settings."""
    key = cache_key(fitted, priors, curve, until=until, draws=draws, tune=tune, chains=chains, seed=seed,
                    target_accept=target_accept, sampler=sampler)
    path = Path(cache_dir or default_cache_dir()) / "growth" / f"{curve}-{key[:24]}.npz"
    idata = _load_cached(path, key) if use_cache else None
    from_cache = idata is not None
    if idata is None:
        idata = _sample(fitted, priors, curve, draws=draws, tune=tune, chains=chains, cores=cores, seed=seed,
                        progressbar=progressbar, target_accept=target_accept, sampler=sampler)
        _attach(idata, key, curve, until, fitted)
        _add_log_likelihood(idata, fitted, priors, curve)
        idata.posterior.attrs["mc_diagnostics"] = json.dumps(_read_diagnostics(idata).to_dict())
        if use_cache:
            _store(idata, path)
    diagnostics = replace(_read_diagnostics(idata), attempts=attempt, sampler=sampler)
    return GrowthFit(curve, idata, fitted, priors, until, key, from_cache, diagnostics)


def check_converged(fit: GrowthFit, *, allow_unconverged: bool = False) -> list[str]:
    """Raise InputError naming what failed unless `allow_unconverged`; return the problems."""
    problems = fit.diagnostics.problems()
    if problems and not allow_unconverged:
        raise InputError(fit.data.path, f"{fit.curve} fit",
                         "did not converge (" + "; ".join(problems) + f") after {fit.diagnostics.attempts} "
                         "attempt(s); raise --draws/--tune, change the priors, or pass --allow-unconverged")
    return problems


def _sample(data: TokenUsage, priors: GrowthPriors, curve: str, *, draws, tune, chains, cores, seed, progressbar,
            target_accept, sampler):
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BLAS notice, small-sample chatter; the gate reports what matters
        if sampler == "nutpie":
            import nutpie

            from mc.growth.logdensity import nutpie_model

            idata = nutpie.sample(nutpie_model(data, get_curve(curve), priors), draws=draws, tune=tune,
                                  chains=chains, cores=2, seed=seed, target_accept=target_accept,
                                  progress_bar=progressbar, save_warmup=False)
        else:
            import pymc as pm

            from mc.growth.model import build_growth_model

            idata = pm.sample(draws, tune=tune, chains=chains, cores=min(2, cores, chains), random_seed=seed,
                              model=build_growth_model(data, get_curve(curve), priors),
                              target_accept=target_accept, progressbar=progressbar, quiet=not progressbar,
                              compute_convergence_checks=False)
    idata.posterior.attrs["mc_fit_seconds"] = time.perf_counter() - started
    return idata


def _add_log_likelihood(idata, data: TokenUsage, priors: GrowthPriors, curve: str) -> None:
    """Pointwise leave-one-out log densities per draw (the GP LOO identity), for PSIS-LOO."""
    import xarray as xr

    from mc.growth.predictive import pointwise_loo_log_density

    post = idata.posterior
    shape = (post.sizes["chain"], post.sizes["draw"])
    names = [*priors.for_curve(curve), *NOISE_PARAMS]
    draws = {n: np.asarray(post[n].values, dtype=float).reshape(-1) for n in names}
    values = pointwise_loo_log_density(curve, draws, data, priors).reshape(*shape, len(data))
    idata.add_groups(log_likelihood=xr.Dataset(
        {"log10_tokens_per_day": (("chain", "draw", "announcement"), values)},
        coords={"chain": post["chain"].values, "draw": post["draw"].values, "announcement": np.arange(len(data))}))


def _read_diagnostics(idata) -> Diagnostics:
    """R-hat, ESS and divergences: as stored with the fit when it was sampled, else computed (ArviZ)."""
    stored = idata.posterior.attrs.get("mc_diagnostics")
    if stored:
        record = json.loads(stored)
        return Diagnostics(*(record[k] for k in ("max_rhat", "min_ess_bulk", "min_ess_tail", "divergences",
                                                 "seconds")))
    import arviz as az

    names = [n for n in idata.posterior.data_vars if not n.endswith("_z")] or list(idata.posterior.data_vars)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rhat = az.rhat(idata, var_names=names).to_array().values
        bulk = az.ess(idata, method="bulk", var_names=names).to_array().values
        tail = az.ess(idata, method="tail", var_names=names).to_array().values
    return Diagnostics(float(np.nanmax(rhat)), float(np.nanmin(bulk)), float(np.nanmin(tail)),
                       int(idata.sample_stats["diverging"].values.sum()),
                       float(idata.posterior.attrs.get("mc_fit_seconds", float("nan"))))


def _attach(idata, key: str, curve: str, until, data: TokenUsage) -> None:
    from mc import __version__

    idata.posterior.attrs.update({"mc_cache_key": key, "mc_curve": curve, "mc_version": __version__,
                                  "mc_until": until.isoformat() if until else "",
                                  "mc_data_dates": ",".join(d.isoformat() for d in data.dates)})


CACHED_GROUPS = ("posterior", "sample_stats", "log_likelihood")  # what forecasts, weights and the gate read


def _load_cached(path: Path, key: str):
    """The cached posterior at `path` if it was made from the same inputs, else None.

    The cache is a plain ``.npz`` of arrays (read with ``allow_pickle=False``) and
    JSON attributes: ArviZ's netCDF reader took about a second a curve here.
    """
    if not path.is_file():
        return None
    import arviz as az

    try:
        with np.load(path, allow_pickle=False) as stored:
            attrs = json.loads(str(stored["__attrs__"]))
            groups = {g: {} for g in CACHED_GROUPS}
            for name in stored.files:
                group, _, var = name.partition("/")
                if group in groups:
                    groups[group][var] = stored[name]
    except Exception:  # an unreadable or truncated cache is refitted, never trusted
        return None
    if attrs.get("mc_cache_key") != key:
        return None
    dims = {"log10_tokens_per_day": ["announcement"]}
    idata = az.from_dict(**groups, dims=dims)
    idata.posterior.attrs.update(attrs)
    return idata


def _store(idata, path: Path) -> None:
    from mc.export import atomic_path

    arrays = {f"{g}/{name}": np.asarray(var.values) for g in CACHED_GROUPS if g in idata.groups()
              for name, var in idata[g].data_vars.items()}
    attrs = {k: v for k, v in idata.posterior.attrs.items() if isinstance(v, (str, int, float, bool))}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, force=True) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, __attrs__=np.array(json.dumps(attrs)), **arrays)


def write_posterior(fit: GrowthFit, path: str | Path, *, force: bool = False) -> Path:
    """Write the fit's posterior as netCDF, atomically; refuse to overwrite without `force`."""
    from mc.export import atomic_path

    with atomic_path(path, force=force) as tmp:
        fit.idata.to_netcdf(str(tmp))
    return Path(path)
