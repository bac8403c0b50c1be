"""The growth model's log density and gradient, compiled with numba, for nutpie.

The same density as the PyMC model of :mod:`mc.growth.model` (a test checks value
and gradient against PyMC's own ``compile_logp``/``compile_dlogp``), written as one
numba function of the unconstrained vector so that nutpie's Rust NUTS calls it
directly: no PyTensor graph to compile (PyTensor's numba backend took about 60 s a
curve here, every run), microseconds a gradient.

Unconstrained coordinates, in :func:`parameter_names` order (the curve's
parameters, then the launch level, misfit, level and rate diffusion):

* a normal or log-normal prior is drawn non-centred, ``x = z ~ Normal(0, 1)``;
* a half-normal prior is ``z ~ HalfNormal(1)`` sampled as ``x = log z`` (PyMC's
  log transform, Jacobian included).

The curve's derivatives come from the complex step, ``f'(x) = Im f(x + ih) / h``
with ``h = 1e-30``: exact to rounding for the analytic curve formulas, so a new
curve family needs only its value, as one more branch of :func:`ln_tokens` (and
its code in :data:`CURVE_CODES`); the test against the PyMC model covers every family.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from mc.growth.curves import _MIN_HEADROOM_LN as MIN_HEADROOM_LN
from mc.growth.curves import CURVE_NAMES, LN10
from mc.growth.deviation import JITTER, covariance

DIST_CODES = {"normal": 0, "lognormal": 1, "halfnormal": 2}
CURVE_CODES = {"exponential": 0, "logistic": 1, "gompertz": 2, "decaying": 3}  # the branches of ln_tokens
if set(CURVE_CODES) != set(CURVE_NAMES):  # a family added to mc.growth.curves needs its branch here
    raise ImportError(f"mc.growth.logdensity has no branch for {sorted(set(CURVE_NAMES) ^ set(CURVE_CODES))}")
STEP = 1e-30  # complex step
_LOG_HALFNORMAL = 0.5 * math.log(2.0 / math.pi)
_LOG_NORMAL = -0.5 * math.log(2.0 * math.pi)

jit = numba.njit(cache=True, nogil=True)


@jit
def logaddexp(a, b):
    m = max(a.real, b.real)
    return m + np.log(np.exp(a - m) + np.exp(b - m))


@jit
def ln_tokens(curve, t, ln_n0, p1, p2):
    if curve == 0:  # exponential: rate
        return ln_n0 + p1 * t
    if curve == 1:  # logistic: rate, log10 ceiling
        ln_k = LN10 * p2
        gap = ln_k - ln_n0
        if gap.real < MIN_HEADROOM_LN:
            gap = MIN_HEADROOM_LN + 0j
        ln_excess = gap + np.log(1.0 - np.exp(-gap))  # ln(expm1(gap))
        return ln_k - logaddexp(0j, ln_excess - p1 * t)
    if curve == 2:  # gompertz: decay, log10 ceiling
        ln_k = LN10 * p2
        return ln_k - (ln_k - ln_n0) * np.exp(-p1 * t)
    return ln_n0 + p1 * p2 * np.log(1.0 + t / p2)  # decaying: r0, tau


@jit
def log10_true(curve, t, log10_n0, p1, p2, max_log10):
    log10_n = ln_tokens(curve, t, LN10 * log10_n0, p1, p2) / LN10
    return -logaddexp(-LN10 * log10_n, -LN10 * max_log10 + 0j) / LN10


@jit
def cholesky_inverse(k):
    """log det and inverse of a small symmetric positive-definite matrix, by an in-place Cholesky."""
    n = k.shape[0]
    low = np.zeros((n, n))
    log_det = 0.0
    for j in range(n):
        d = k[j, j]
        for m in range(j):
            d -= low[j, m] * low[j, m]
        if d <= 0.0:
            return np.inf, low
        low[j, j] = math.sqrt(d)
        log_det += 2.0 * math.log(low[j, j])
        for i in range(j + 1, n):
            v = k[i, j]
            for m in range(j):
                v -= low[i, m] * low[j, m]
            low[i, j] = v / low[j, j]
    inv_low = np.zeros((n, n))  # L^-1, lower triangular
    for i in range(n):
        inv_low[i, i] = 1.0 / low[i, i]
        for j in range(i):
            v = 0.0
            for m in range(j, i):
                v -= low[i, m] * inv_low[m, j]
            inv_low[i, j] = v / low[i, i]
    inverse = np.zeros((n, n))  # K^-1 = L^-T L^-1
    for i in range(n):
        for j in range(i + 1):
            v = 0.0
            for m in range(i, n):
                v += inv_low[m, i] * inv_low[m, j]
            inverse[i, j] = v
            inverse[j, i] = v
    return log_det, inverse


@jit
def gp(residual, noise_var, level, rate, base_level, base_rate):
    """log N(residual; 0, K) and its gradient in (residual, noise_var, level, rate).

    K = level^2 base_level + rate^2 base_rate + diag(noise_var): the two unit-scale
    covariances depend only on the times (and the damping), so they are computed
    once per fit (:func:`density_arguments`, by :func:`mc.growth.deviation.covariance`).
    """
    n = residual.size
    k = level * level * base_level + rate * rate * base_rate
    for i in range(n):
        k[i, i] += noise_var[i] + JITTER
    log_det, k_inv = cholesky_inverse(k)
    if not np.isfinite(log_det):
        return -np.inf, np.zeros(n), np.zeros(n), 0.0, 0.0
    alpha = k_inv @ residual
    d_noise = np.empty(n)
    d_level = 0.0
    d_rate = 0.0
    for i in range(n):
        for j in range(n):
            inner = 0.5 * (alpha[i] * alpha[j] - k_inv[i, j])
            d_level += inner * base_level[i, j]
            d_rate += inner * base_rate[i, j]
        d_noise[i] = 0.5 * (alpha[i] * alpha[i] - k_inv[i, i])
    logp = -0.5 * (residual @ alpha) - 0.5 * log_det - 0.5 * n * math.log(2.0 * math.pi)
    return logp, -alpha, d_noise, 2.0 * level * d_level, 2.0 * rate * d_rate


@jit
def transform(x, codes, a, b, anchor):
    """Values, d value / d x, and the prior log density (with Jacobian) of each coordinate."""
    k = x.size
    value = np.empty(k)
    slope = np.empty(k)
    logp = 0.0
    dlogp = np.empty(k)
    for i in range(k):
        if codes[i] == 2:  # half-normal on log scale
            z = math.exp(x[i])
            logp += _LOG_HALFNORMAL - 0.5 * z * z + x[i]
            dlogp[i] = -z * z + 1.0
            value[i] = a[i] * z
            slope[i] = a[i] * z
        else:
            logp += _LOG_NORMAL - 0.5 * x[i] * x[i]
            dlogp[i] = -x[i]
            if codes[i] == 0:
                value[i] = anchor[i] + a[i] + b[i] * x[i]
                slope[i] = b[i]
            else:
                value[i] = a[i] * math.exp(b[i] * x[i])
                slope[i] = value[i] * b[i]
    return value, slope, logp, dlogp


@jit
def logp_and_grad(x, curve, n_curve, codes, a, b, anchor, times, observed, offset, floor_var, max_log10,
                  base_level, base_rate):
    value, slope, logp, grad = transform(x, codes, a, b, anchor)
    p1 = value[0]
    p2 = value[1] if n_curve > 1 else 0.0
    base = n_curve  # launch, misfit, level, rate follow the curve's parameters
    launch, misfit, level, rate = value[base], value[base + 1], value[base + 2], value[base + 3]
    n = times.size
    residual = np.empty(n)
    d_true = np.zeros((n, 3))  # d log10_true / d (p1, p2, launch)
    for i in range(n):
        stepped = log10_true(curve, times[i], launch + STEP * 1j, p1, p2, max_log10)
        residual[i] = observed[i] + offset[i] - stepped.real  # the real part is f itself (error ~ STEP^2)
        d_true[i, 2] = stepped.imag / STEP
        d_true[i, 0] = log10_true(curve, times[i], launch, p1 + STEP * 1j, p2, max_log10).imag / STEP
        if n_curve > 1:
            d_true[i, 1] = log10_true(curve, times[i], launch, p1, p2 + STEP * 1j, max_log10).imag / STEP
    noise_var = floor_var + misfit * misfit
    gp_logp, d_residual, d_noise_var, d_level, d_rate = gp(residual, noise_var, level, rate, base_level, base_rate)
    d_value = np.zeros(x.size)
    for i in range(n):  # residual = observed + offset - true
        d_value[0] -= d_residual[i] * d_true[i, 0]
        if n_curve > 1:
            d_value[1] -= d_residual[i] * d_true[i, 1]
        d_value[base] -= d_residual[i] * d_true[i, 2]
    d_value[base + 1] = np.sum(d_noise_var) * 2.0 * misfit
    d_value[base + 2] = d_level
    d_value[base + 3] = d_rate
    return logp + gp_logp, grad + d_value * slope


def parameter_names(curve) -> list[str]:
    """The unconstrained vector's coordinates: the curve's parameters, then the shared ones."""
    from mc.growth.model import NOISE_PARAMS

    return [*curve.param_names, "log10_launch_tokens_per_day", *NOISE_PARAMS]


def density_arguments(data, curve, priors) -> tuple:
    """The constant arguments of :func:`logp_and_grad` after ``x``, for one series and curve."""
    from mc.growth.model import anchors, observation_floor, observation_offset

    specs = {**priors.for_curve(curve.name), **priors.shared}
    where = anchors(data)
    names = parameter_names(curve)
    codes = np.array([DIST_CODES[specs[n].dist] for n in names], dtype=np.int64)
    first = np.array([_first_param(specs[n]) for n in names])
    second = np.array([specs[n].params.get("sigma", specs[n].params.get("sigma_log", 0.0)) for n in names])
    anchor = np.array([where[specs[n].relative_to] if specs[n].relative_to else 0.0 for n in names])
    return (CURVE_CODES[curve.name], len(curve.param_names), codes, first, second, anchor,
            np.asarray(data.years_since_launch, dtype=float), np.asarray(data.log10_tokens_per_day, dtype=float),
            np.asarray(observation_offset(data, priors), dtype=float),
            np.asarray(observation_floor(data, priors), dtype=float) ** 2, float(priors.max_log10_tokens_per_day),
            *unit_covariances(data.years_since_launch, priors.rate_damping_per_year))


def unit_covariances(times, damping: float) -> tuple[np.ndarray, np.ndarray]:
    """The level walk's and the damped rate's covariance matrices at unit scale."""
    t = np.asarray(times, dtype=float)
    return (np.ascontiguousarray(covariance(t[:, None], t[None, :], 1.0, 0.0, damping)),
            np.ascontiguousarray(covariance(t[:, None], t[None, :], 0.0, 1.0, damping)))


def _first_param(spec) -> float:
    """mu (normal), median (log-normal) or sigma (half-normal): the scale ``transform`` calls ``a``."""
    return spec.params["mu"] if spec.dist == "normal" else spec.params.get("median", spec.params.get("sigma"))


def pack(arguments: tuple) -> np.ndarray:
    """:func:`density_arguments` as one float64 buffer, the user data of the C callbacks.

    Layout: length, curve, curve parameters, coordinates k, rows n, bound, then
    codes, a, b, anchor (k each), times, observed, offset, floor variance (n each)
    and the two unit covariances (n x n each, row-major).
    """
    curve, n_curve, codes, a, b, anchor, times, observed, offset, floor_var, max_log10, level, rate = arguments
    head = [0.0, curve, n_curve, codes.size, times.size, max_log10]
    buffer = np.concatenate([head, codes, a, b, anchor, times, observed, offset, floor_var, level.ravel(),
                             rate.ravel()]).astype(float)
    buffer[0] = buffer.size
    return buffer


@jit
def unpack(buffer):
    k, n, h = int(buffer[3]), int(buffer[4]), 6
    codes = buffer[h:h + k].astype(np.int64)
    a, b, anchor = buffer[h + k:h + 2 * k], buffer[h + 2 * k:h + 3 * k], buffer[h + 3 * k:h + 4 * k]
    rows = h + 4 * k
    mats = rows + 4 * n
    return (int(buffer[1]), int(buffer[2]), codes, a, b, anchor, buffer[rows:rows + n], buffer[rows + n:rows + 2 * n],
            buffer[rows + 2 * n:rows + 3 * n], buffer[rows + 3 * n:mats], buffer[5],
            buffer[mats:mats + n * n].reshape((n, n)), buffer[mats + n * n:mats + 2 * n * n].reshape((n, n)))


_C_FUNCTIONS: dict = {}


def c_functions():
    """nutpie's C callbacks (log density with gradient, and the named values), compiled once and cached."""
    if _C_FUNCTIONS:
        return _C_FUNCTIONS
    double_p = numba.types.CPointer(numba.types.double)

    @numba.cfunc(numba.types.int64(numba.types.uint64, double_p, double_p, double_p, double_p), cache=True)
    def logp_c(dim, x_pointer, grad_pointer, logp_pointer, user_pointer):
        buffer = numba.carray(user_pointer, (1,))
        buffer = numba.carray(user_pointer, (int(buffer[0]),))
        x = numba.carray(x_pointer, (dim,))
        grad = numba.carray(grad_pointer, (dim,))
        logp = numba.carray(logp_pointer, (1,))
        value, gradient = logp_and_grad(x, *unpack(buffer))
        logp[0] = value
        grad[:] = gradient
        if not np.all(np.isfinite(gradient)):
            return 3
        return 0 if np.isfinite(value) else 4

    @numba.cfunc(numba.types.int64(numba.types.uint64, numba.types.uint64, double_p, double_p, double_p), cache=True)
    def expand_c(dim, expanded, x_pointer, out_pointer, user_pointer):
        buffer = numba.carray(user_pointer, (1,))
        buffer = numba.carray(user_pointer, (int(buffer[0]),))
        args = unpack(buffer)
        x = numba.carray(x_pointer, (dim,))
        out = numba.carray(out_pointer, (expanded,))
        out[:] = transform(x, args[2], args[3], args[4], args[5])[0]
        return 0

    _C_FUNCTIONS.update(logp=logp_c, expand=expand_c)
    return _C_FUNCTIONS


def nutpie_model(data, curve, priors):
    """A nutpie model of this density: nutpie's Rust sampler calls the compiled C callbacks directly."""
    from nutpie.compile_pymc import CompiledPyMCModel

    arguments = density_arguments(data, curve, priors)
    names = parameter_names(curve)
    functions = c_functions()
    k = len(names)
    shape_info = (names, [slice(i, i + 1) for i in range(k)], [()] * k)
    return CompiledPyMCModel(
        _n_dim=k, dims={}, _coords={}, _shapes={n: () for n in names}, compiled_logp_func=functions["logp"],
        compiled_expand_func=functions["expand"], initial_point_func=_initial_point(k), shared_data={},
        user_data=pack(arguments), n_expanded=k, shape_info=shape_info, logp_func=None, expand_func=None)


def _initial_point(k: int):
    def initial_point(seed):
        return np.random.default_rng(seed).uniform(-1.0, 1.0, k)  # as PyMC's jitter+adapt_diag start
    return initial_point
