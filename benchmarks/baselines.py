"""The same model written with squigglepy and with monaco (optional: the `bench` extra).

Each baseline draws the eight uncertain inputs of priors/base.toml with the
library's own distributions, evaluates every output of the report's model and
computes the percentile table, as a user of that library would.
"""
from __future__ import annotations

import math

import numpy as np

from benchmarks.common import fixed_values
from mc.stats import PERCENTILES


def available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _squigglepy_dist(sq, dist):
    p = dist.params
    if dist.family == "lognormal":
        return sq.lognorm(norm_mean=math.log(p["median"]), norm_sd=p["sigma"])
    if dist.family == "beta":
        return sq.beta(p["alpha"], p["beta"])
    if dist.family == "pert":
        return sq.pert(p["low"], p["mode"], p["high"], lam=p.get("lamb", 4.0))
    if dist.family == "choice":
        w = np.asarray(p["weights"], float)
        return sq.discrete(dict(zip((float(v) for v in p["values"]), (float(x) for x in w / w.sum()))))
    raise ValueError(f"no squigglepy baseline for family {dist.family!r}")


def squigglepy_model(priors, n: int, seed: int = 0) -> dict:
    """squigglepy: its distributions, ``sq.sample`` per input, numpy formulas, ``sq.get_percentiles``."""
    import squigglepy as sq

    sq.set_seed(seed)
    x = fixed_values(priors)
    for name in priors.uncertain:
        x[name] = np.asarray(sq.sample(_squigglepy_dist(sq, priors[name].distribution), n=n, verbose=False))
    outputs = priors.model.evaluate(x)
    return {name: sq.get_percentiles(np.broadcast_to(outputs[name], (n,)), percentiles=list(PERCENTILES))
            for name in priors.model.outputs}


def monaco_model(priors, n: int, seed: int = 0) -> dict:
    """monaco: an InVar per input (scipy distributions), one Python call per case, percentiles per OutVar."""
    import monaco as mo
    from scipy import stats

    def preprocess(case):
        return ({name: case.invals[name].val for name in priors.uncertain},)

    fixed = fixed_values(priors)

    def run(values):
        return ({k: float(v) for k, v in priors.model.evaluate({**fixed, **values}).items()},)

    def postprocess(case, outputs):
        for name, value in outputs.items():
            case.addOutVal(name, value)

    sim = mo.Sim("mc-benchmark", ndraws=n, fcns={mo.SimFunctions.PREPROCESS: preprocess,
                                                  mo.SimFunctions.RUN: run,
                                                  mo.SimFunctions.POSTPROCESS: postprocess},
                 seed=seed, singlethreaded=True, verbose=False, samplemethod=mo.SampleMethod.RANDOM)
    for name in priors.uncertain:
        dist = priors[name].distribution
        if dist.family == "choice":
            w = np.asarray(dist.params["weights"], float)
            sim.addInVar(name, dist=stats.rv_discrete, distkwargs={"values": (np.arange(w.size), w / w.sum())},
                         nummap={i: float(v) for i, v in enumerate(dist.params["values"])})
        else:
            frozen = dist.frozen
            sim.addInVar(name, dist=frozen.dist, distkwargs=dict(zip(_shape_names(frozen), frozen.args),
                                                                          **frozen.kwds))
    sim.runSim()
    return {name: np.percentile(np.asarray(sim.outvars[name].nums, float), PERCENTILES) for name in priors.model.outputs}


def _shape_names(frozen) -> list[str]:
    shapes = frozen.dist.shapes
    return [s.strip() for s in shapes.split(",")] if shapes else []
