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


def _openturns_dist(ot, dist):
    p = dist.params
    if dist.family == "lognormal":
        return ot.LogNormal(math.log(p["median"]), p["sigma"], 0.0)
    if dist.family == "beta":
        return ot.Beta(p["alpha"], p["beta"], 0.0, 1.0)
    if dist.family == "pert":  # the PERT as its beta on [low, high]
        lamb, span = p.get("lamb", 4.0), p["high"] - p["low"]
        return ot.Beta(1 + lamb * (p["mode"] - p["low"]) / span, 1 + lamb * (p["high"] - p["mode"]) / span,
                       p["low"], p["high"])
    if dist.family == "choice":
        w = np.asarray(p["weights"], float)
        discrete = getattr(ot, "FiniteDiscreteDistribution", None) or ot.UserDefined  # renamed in OpenTURNS 1.26
        return discrete(ot.Sample([[float(v)] for v in p["values"]]), ot.Point(w / w.sum()))
    raise ValueError(f"no OpenTURNS baseline for family {dist.family!r}")


REPORT_FORMULAS = {  # the report's model (models/guosen_2024.toml) in OpenTURNS' symbolic syntax
    "tokens_per_s": "tokens_per_day / {spd}",
    "required_eflops": "{flops} * active_params * tokens_per_day / {spd} * peak_to_avg / {exa}",
    "gpus": "{flops} * active_params * tokens_per_day / {spd} * peak_to_avg / (gpu_tflops * {tera} * utilization)",
    "revenue_cny_per_day": "tokens_per_day / {unit} * price_cny_per_m_tokens * paid_share",
    "revenue_cny_per_year": "tokens_per_day / {unit} * price_cny_per_m_tokens * paid_share * {dpy}",
    "capex_cny_per_year": ("{flops} * active_params * tokens_per_day / {spd} * peak_to_avg / (gpu_tflops * {tera}"
                           " * utilization) * gpu_price_cny / depreciation_years"),
}


def openturns_model(priors, n: int, seed: int = 0) -> dict:
    """OpenTURNS: independent marginals sampled jointly, the report's model as a SymbolicFunction,
    percentiles, mean and sd per output from the ot.Sample (what an OpenTURNS user would write)."""
    import openturns as ot

    from benchmarks.common import (DAYS_PER_YEAR, EXA, FLOPS_PER_PARAM_PER_TOKEN, SECONDS_PER_DAY, TERA,
                                   TOKENS_PER_PRICE_UNIT)

    ot.RandomGenerator.SetSeed(seed)
    names = list(priors.uncertain)
    constants = dict(spd=SECONDS_PER_DAY, flops=FLOPS_PER_PARAM_PER_TOKEN, exa=EXA, tera=TERA,
                     unit=TOKENS_PER_PRICE_UNIT, dpy=DAYS_PER_YEAR)
    formulas = {k: v.format(**constants) for k, v in REPORT_FORMULAS.items()}
    formulas["profit_cny_per_year"] = f"({formulas['revenue_cny_per_year']}) - ({formulas['capex_cny_per_year']})"
    formulas["margin"] = f"1 - ({formulas['capex_cny_per_year']}) / ({formulas['revenue_cny_per_year']})"
    for name, value in fixed_values(priors).items():  # fixed inputs enter as constants
        formulas = {k: _substitute(v, name, repr(float(value))) for k, v in formulas.items()}
    model = ot.SymbolicFunction(names, list(formulas.values()))
    joint = (getattr(ot, "JointDistribution", None) or ot.ComposedDistribution)([_openturns_dist(ot, priors[name].distribution) for name in names])
    outputs = model(joint.getSample(n))
    table = np.asarray(outputs.computeQuantilePerComponent(ot.Point([q / 100 for q in PERCENTILES])))
    mean, sd = outputs.computeMean(), outputs.computeStandardDeviation()
    return {name: (table[:, j], mean[j], sd[j]) for j, name in enumerate(formulas)}


def _substitute(formula: str, name: str, value: str) -> str:
    import re

    return re.sub(rf"\b{re.escape(name)}\b", value, formula)
