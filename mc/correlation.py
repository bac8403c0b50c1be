"""Rank correlation between uncertain inputs, induced by reordering their uniforms.

The sampler hands :func:`induce_rank_correlation` one block of uniforms per
uncertain input and maps the result through each input's inverse CDF. Both
methods here *reorder* the uniforms they are given rather than replace them, so
each input keeps exactly the values it would have had without correlation: the
declared marginals are untouched, and so is the stratification of LHS or Sobol
columns. Only the pairing between inputs changes. Inputs in no pair are passed
through as they are, so their draws stay common random numbers.

* ``gaussian`` - a Gaussian copula: normal scores of the given uniforms are mixed
  by the Cholesky factor of the Pearson matrix ``r = 2 sin(pi rho / 6)`` (the
  Pearson correlation of a bivariate normal whose Spearman correlation is rho),
  and each input's uniforms are reordered to follow the ranks of its mixed score.
  The first input (in file order) keeps its order.
* ``iman-conover`` - Iman and Conover (1982): van der Waerden scores, randomly
  permuted per input, are corrected by the Cholesky factors of their sample
  correlation and of the target, so the scores' correlation matches the target
  exactly; inputs are reordered to follow their ranks.
"""
from __future__ import annotations

import hashlib
import warnings
from functools import lru_cache
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import special, stats

from mc.errors import InputError
from mc.priors import Correlation, Priors

_EIG_FLOOR = 1e-6  # smallest eigenvalue kept by the repair, so that Cholesky succeeds
_SUPPORT = 0.25  # share of the largest loading for an input to count in a conflict
REPAIR_MESSAGE = ".*correlation matrix not positive definite; repaired"
_IC_MIN_ROWS = 1024  # fewest rows of Iman-Conover scores, however short the block


def pearson_for_normal_scores(spearman: np.ndarray) -> np.ndarray:
    """Pearson correlation of bivariate normals with the given Spearman correlation."""
    return 2.0 * np.sin(np.pi * np.asarray(spearman, float) / 6.0)


def target_matrix(names: tuple[str, ...], correlation: Correlation) -> np.ndarray:
    """The target Spearman matrix over `names` (identity where no pair is given)."""
    index = {n: i for i, n in enumerate(names)}
    matrix = np.eye(len(names))
    for a, b, rho in correlation.pairs:
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = rho
    return matrix


def nearest_correlation(matrix: np.ndarray, *, tol: float = 1e-10, max_iter: int = 500) -> np.ndarray:
    """Nearest correlation matrix in the Frobenius norm (Higham 2002).

    Alternating projections with Dykstra's correction between the positive
    semidefinite cone (eigenvalues floored at a small positive value, so the
    result can be factorised) and the matrices with unit diagonal.
    """
    y = np.array(matrix, float)
    correction = np.zeros_like(y)
    for _ in range(max_iter):
        r = y - correction
        vals, vecs = np.linalg.eigh(r)
        x = (vecs * np.maximum(vals, _EIG_FLOOR)) @ vecs.T
        correction = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        if np.linalg.norm(y_new - y) <= tol * np.linalg.norm(y):
            y = y_new
            break
        y = y_new
    y = (y + y.T) / 2
    if np.linalg.eigvalsh(y).min() <= 0:  # the unit diagonal step can leave a tiny negative eigenvalue
        vals, vecs = np.linalg.eigh(y)
        y = (vecs * np.maximum(vals, _EIG_FLOOR)) @ vecs.T
        d = np.sqrt(np.diag(y))
        y = y / np.outer(d, d)
    return y


def conflicting_pairs(matrix: np.ndarray, names: tuple[str, ...], correlation: Correlation) -> list[str]:
    """The declared pairs within the support of the most negative eigenvector."""
    vals, vecs = np.linalg.eigh(matrix)
    loading = np.abs(vecs[:, 0])
    involved = {names[i] for i in np.flatnonzero(loading >= _SUPPORT * loading.max())}
    return [f"{a}~{b} ({rho:g})" for a, b, rho in correlation.pairs if a in involved and b in involved]


def checked_pearson(names: tuple[str, ...], correlation: Correlation, *, origin: str = "<priors>") -> np.ndarray:
    """The Pearson matrix of normal scores for the target, valid for Cholesky.

    Raises
    ------
    InputError
        If the matrix is not positive definite and ``correlation.repair`` is false;
        the message names the pairs that conflict.

    Warns
    -----
    RuntimeWarning
        If the matrix was repaired; the message gives each pair's new value.
    """
    pearson, changes = _valid_pearson(names, correlation, origin)
    if changes:
        warnings.warn(f"{origin}: correlation matrix not positive definite; repaired to the nearest valid one "
                      f"({', '.join(changes)})", RuntimeWarning, stacklevel=2)
    return pearson


def _valid_pearson(names: tuple[str, ...], correlation: Correlation, origin: str) -> tuple[np.ndarray, list[str]]:
    """The Pearson matrix (repaired if allowed) and a description of each repaired pair."""
    pearson = pearson_for_normal_scores(target_matrix(names, correlation))
    smallest = np.linalg.eigvalsh(pearson).min()
    if smallest > _EIG_FLOOR / 10:
        return pearson, []
    if not correlation.repair:
        pairs = ", ".join(conflicting_pairs(pearson, names, correlation)) or "all pairs"
        raise InputError(origin, "correlation", f"the rank correlations are not jointly possible (matrix not "
                         f"positive definite, smallest eigenvalue {smallest:.3g}); conflicting pairs: {pairs}; "
                         "change them or set repair = true")
    repaired = _nearest_once(pearson.tobytes(), pearson.shape[0])
    index = {n: i for i, n in enumerate(names)}
    return repaired, [f"{a}~{b} {rho:g} -> {6 / np.pi * np.arcsin(repaired[index[a], index[b]] / 2):.3f}"
                      for a, b, rho in correlation.pairs]


@lru_cache(maxsize=16)
def _nearest_once(matrix_bytes: bytes, size: int) -> np.ndarray:
    """nearest_correlation, computed once per run rather than once per block of draws."""
    repaired = nearest_correlation(np.frombuffer(matrix_bytes).reshape(size, size))
    repaired.setflags(write=False)
    return repaired


def components(names: tuple[str, ...], pairs) -> list[tuple[str, ...]]:
    """Groups of inputs linked by pairs (connected components), each in the order of `names`.

    Inputs in no pair form no group. Each group is correlated on its own, so a
    change to one group (an input fixed, a pair added) never moves another's draws.
    """
    group = {}
    for a, b, _ in pairs:
        ga, gb = group.get(a, {a}), group.get(b, {b})
        merged = ga | gb
        for n in merged:
            group[n] = merged
    seen, out = set(), []
    for n in names:
        if n in group and n not in seen:
            members = tuple(m for m in names if m in group[n])
            seen.update(members)
            out.append(members)
    return out


def _reorder(uniforms: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The same values, rearranged so that their ranks follow the ranks of `scores`."""
    out = np.empty_like(uniforms)
    out[np.argsort(scores, kind="stable")] = np.sort(uniforms)
    return out


def _gaussian_scores(columns: np.ndarray, pearson: np.ndarray, streams) -> np.ndarray:
    z = special.ndtri(np.clip(columns, 1e-300, 1 - 1e-16))
    return z @ np.linalg.cholesky(pearson).T


def _iman_conover_scores(columns: np.ndarray, pearson: np.ndarray, streams) -> np.ndarray:
    # Scores on at least _IC_MIN_ROWS rows, of which the first n are used: a short last block
    # (n <= k, say) has a singular sample correlation, so the correction is computed where it exists.
    n, k = columns.shape
    rows = max(n, _IC_MIN_ROWS, 8 * k)
    base = special.ndtri(np.arange(1, rows + 1) / (rows + 1))
    scores = np.column_stack([rng.permutation(base) for rng in streams])
    sample = np.corrcoef(scores, rowvar=False).reshape(k, k)
    # Undo the scores' chance correlation, then impose the target exactly.
    transform = np.linalg.solve(np.linalg.cholesky(sample), np.linalg.cholesky(pearson).T)
    return (scores @ transform)[:n]


def _name_streams(rng: np.random.Generator, names: tuple[str, ...]) -> list[np.random.Generator]:
    """One generator per name, derived from `rng` and the name alone (not its position)."""
    entropy = int(rng.integers(2**63))
    return [np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(_name_key(n),))))
            for n in names]


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8, person=b"mc-corr").digest(), "little")


def induce_rank_correlation(u: Mapping[str, np.ndarray], correlation: Correlation, rng: np.random.Generator, *,
                            origin: str = "<priors>") -> dict[str, np.ndarray]:
    """Reorder uniforms so that pairs of inputs have the target rank correlations.

    Each group of inputs linked by pairs (see :func:`components`) is handled on
    its own, and Iman-Conover permutes each input's scores from a stream of its
    own name, so inputs outside a changed group keep their draws bit for bit.

    Parameters
    ----------
    u : mapping of name -> 1-D array
        One block of uniforms on (0, 1) per uncertain input, all the same length.
    correlation : Correlation
        Target Spearman correlations, method and repair flag.
    rng : numpy.random.Generator
        Randomness for the Iman-Conover score permutations (unused by gaussian).
    origin : str
        The priors file, for error messages.

    Returns
    -------
    dict
        Uniforms of the same names; each column holds exactly the values given.

    Warns
    -----
    RuntimeWarning
        Once per call, if ``correlation.repair`` replaced an impossible matrix.
    """
    pairs = tuple(p for p in correlation.pairs if p[0] in u and p[1] in u)  # a fixed input drops its pairs
    out = dict(u)
    if not pairs:
        return out
    streams = None
    repairs = []
    for names in components(tuple(u), pairs):
        group = Correlation(tuple(p for p in pairs if p[0] in names), correlation.method, correlation.repair)
        pearson, changes = _valid_pearson(names, group, origin)
        repairs += changes
        columns = np.column_stack([np.asarray(u[n], float) for n in names])
        if correlation.method == "iman-conover":
            streams = streams or dict(zip(tuple(u), _name_streams(rng, tuple(u))))
            scores = _iman_conover_scores(columns, pearson, [streams[n] for n in names])
        else:
            scores = _gaussian_scores(columns, pearson, None)
        for j, n in enumerate(names):
            out[n] = _reorder(columns[:, j], scores[:, j])
    if repairs:
        warnings.warn(f"{origin}: correlation matrix not positive definite; repaired to the nearest valid one "
                      f"({', '.join(repairs)})", RuntimeWarning, stacklevel=2)
    return out


def achieved_rank_correlations(draws, priors: Priors) -> pd.DataFrame:
    """Target and achieved Spearman correlation of each declared pair.

    Parameters
    ----------
    draws : xarray.Dataset or mapping of name -> array
        Input draws (e.g. ``simulate(..., keep_inputs=True)`` or ``mc.sampling.draw``).
    priors : Priors
        Supplies the pairs and targets.

    Returns
    -------
    DataFrame
        Columns ``pair, target, achieved, mc_se``; ``mc_se`` is the large-sample
        standard error of a Spearman coefficient, ``sqrt(1.06 / (n - 3)) (1 - rho^2)``.
    """
    rows = []
    for a, b, rho in priors.correlation.pairs:
        x, y = np.asarray(draws[a], float), np.asarray(draws[b], float)
        achieved = float(stats.spearmanr(x, y).statistic)
        se = float(np.sqrt(1.06 / max(x.size - 3, 1)) * (1 - achieved**2))
        rows.append({"pair": f"{a}~{b}", "target": rho, "achieved": achieved, "mc_se": se})
    return pd.DataFrame(rows, columns=["pair", "target", "achieved", "mc_se"])


def render_achieved(priors: Priors, drawn: Mapping[str, np.ndarray]) -> list[str]:
    """Screen lines for `mc run`: target vs achieved rank correlations of drawn inputs.

    `drawn` are input draws of the run (:func:`mc.sampling.redraw_first_block` gives
    its first stream block again, the same numbers).
    """
    table = achieved_rank_correlations(drawn, priors)
    n = len(next(iter(drawn.values()))) if drawn else 0
    lines = ["", f"rank correlations ({priors.correlation.method}; achieved over {n:,} draws):"]
    for row in table.itertuples():
        lines.append(f"  {row.pair:<45} target {row.target:+.3f}  achieved {row.achieved:+.3f} ± {row.mc_se:.3f}")
    return lines
