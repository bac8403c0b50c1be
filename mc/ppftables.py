"""The interpolation tables behind mc.fastppf's beta/PERT and normal quantiles: nodes, quintic steps, cache.

``min(u, 1 - u)`` is split into binary octaves, each cut into
:data:`NODES_PER_OCTAVE` equal steps down to ``u = 2^-(OCTAVES+1)``; on each
step a quintic matches the quantile and two derivatives at both ends
(:func:`quintic`). A beta table (:func:`build_beta_table`) is built once per
shape pair, numpy and scipy version, then read from the cache
(:func:`beta_table`), so a later run never imports scipy.special for it.
mc.fastppf evaluates the tables (numpy or compiled).
"""
from __future__ import annotations

import os

import numpy as np

NODES_PER_OCTAVE = 32  # steps per binary octave of min(u, 1-u): relative step 1/32
OCTAVES = 40  # tabulated down to u = 2**-41 ~ 4.5e-13; rarer points go to scipy


def tail_coefficients(a: float, b: float, logs: bool) -> np.ndarray:
    """Quintic coefficients of ``g(w) = log ppf_{a,b}(w)`` (or of ``ppf_{a,b}(w)`` itself) on every step.

    Returns an array of shape ``(OCTAVES + 1) * NODES_PER_OCTAVE`` by 6, row
    ``k * NODES_PER_OCTAVE + j`` for step ``j`` of octave ``k``, in powers of the
    step's local coordinate ``theta`` in [0, 1).  Steps whose nodes are not finite
    (underflow, or unused ends of octave 0) are NaN and fall back to scipy.
    """
    from scipy import special  # lazy: tables come from the cache on later runs (see beta_table)

    w, step = octave_nodes()
    with np.errstate(all="ignore"):
        x = special.betaincinv(a, b, w)
        g = np.log(x)
        # in logs throughout, so that tails far below 1e-300 neither underflow nor overflow:
        # g' = (dx/dw) / x = 1 / (x f(x)),  g'' = -g'^2 (x f'(x) / f(x) + 1)
        dg = np.exp(-(a * g + (b - 1) * np.log1p(-x) - special.betaln(a, b)))
        ddg = -dg**2 * (a - (b - 1) * x / (1 - x))
        if not logs:  # the values themselves: x' = x g', x'' = x (g'' + g'^2)
            g, dg, ddg = x, x * dg, x * (ddg + dg**2)
        return quintic(g, dg * step, ddg * step**2)  # derivatives in theta = (w - node) / step


def octave_nodes() -> tuple[np.ndarray, np.ndarray]:
    """The table's nodes ``w`` (octave by row, both ends of every step) and each octave's step width."""
    m = NODES_PER_OCTAVE
    width = 2.0 ** -(np.arange(OCTAVES + 1)[:, None] + 1)  # octave k spans [width, 2 width)
    return width * (1 + np.arange(m + 1)[None, :] / m), width / m


def quintic(g: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Coefficients (rows of 6, powers of theta) of the quintic matching values and two derivatives at both ends."""
    with np.errstate(all="ignore"):
        g0, g1 = g[:, :-1], g[:, 1:]
        v0, v1, a0, a1 = d1[:, :-1], d1[:, 1:], d2[:, :-1], d2[:, 1:]
        c2 = a0 / 2
        big_a, big_b, big_c = g1 - (g0 + v0 + c2), v1 - (v0 + 2 * c2), a1 - 2 * c2
        coef = np.stack([g0, v0, c2, 10 * big_a - 4 * big_b + big_c / 2, -15 * big_a + 7 * big_b - big_c,
                         6 * big_a - 3 * big_b + big_c / 2], axis=-1).reshape(-1, 6)
    coef[~np.all(np.isfinite(coef), axis=1)] = np.nan
    return coef


def build_beta_table(alpha: float, beta: float, logs: bool) -> tuple[np.ndarray, bool]:
    """BetaPPF's flat coefficient table (6 rows: left half, right half, a NaN column) and its expm1 flag."""
    from scipy import special

    left = tail_coefficients(alpha, beta, logs)
    right = tail_coefficients(beta, alpha, logs)
    if not logs:
        right = -right
        right[:, 0] += 1.0  # coefficients of x = 1 - y
    coef = np.ascontiguousarray(np.concatenate([left, right, np.full((1, 6), np.nan)]).T)
    # x = 1 - exp(g) on the right half loses relative precision only if x itself is tiny there
    return coef, bool(float(special.betaincinv(alpha, beta, 0.5)) < 1e-3)


TABLE_FORMAT = 1  # bump when the table's layout or its arithmetic changes: old cache entries are then ignored


def beta_table(alpha: float, beta: float, logs: bool) -> tuple[np.ndarray, bool]:
    """:func:`build_beta_table` once per (alpha, beta, numpy, scipy), then from the cache (``tables/``).

    The table is stored as float64 ``.npy`` bytes, so a cached load is the same
    table bit for bit, and a run whose tables are cached never imports
    scipy.special (about half a second). A missing, unreadable or malformed
    entry is rebuilt; a cache that cannot be written is skipped.
    """
    import scipy

    from mc.cache import default_cache_dir, digest

    key = digest("beta_table", TABLE_FORMAT, alpha, beta, OCTAVES, NODES_PER_OCTAVE, np.__version__,
                 scipy.__version__)
    path = default_cache_dir() / "tables" / f"{key[:40]}.npy"
    shape = (6, 2 * (OCTAVES + 1) * NODES_PER_OCTAVE + 1)
    try:
        stored = np.load(path, allow_pickle=False)
        if stored.dtype == np.float64 and stored.shape == (shape[0] + 1, shape[1]):
            return np.ascontiguousarray(stored[:6]), bool(stored[6, 0] == 1.0)
    except (OSError, ValueError):
        pass
    coef, use_expm1 = build_beta_table(alpha, beta, logs)
    _save_quietly(path, np.vstack([coef, np.full((1, shape[1]), float(use_expm1))]))
    return coef, use_expm1


def _save_quietly(path, array: np.ndarray) -> None:
    """Write `array` as .npy atomically (temporary file, then rename); skip silently if that fails."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        return
