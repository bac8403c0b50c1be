"""The deviation's marginal likelihood as one PyTensor Op with a closed-form gradient (numpy inside).

    log p(r) = -(r' K^-1 r + log det K + n log 2 pi) / 2,  K = k(t, t; level, rate) + diag(noise_var)

with gradient -alpha for r (alpha = K^-1 r) and (alpha alpha' - K^-1) / 2 contracted
with dK for the rest: dK/d noise_var_i = e_i e_i', dK/d level = 2 level min(s, t),
dK/d rate = 2 rate m^2 (3M - m) / 6 (:func:`mc.growth.deviation.covariance`).
A handful of rows makes these 10 x 10 numpy operations: microseconds a call,
nothing to compile, where a symbolic Cholesky or an unrolled Kalman filter took
minutes to compile and milliseconds a gradient on this machine's BLAS-less
PyTensor (benchmarks/README.md, growth section).
"""
from __future__ import annotations

import numpy as np

from mc.growth.deviation import JITTER, covariance


def gp_log_likelihood_and_grad(t, residual, noise_var, level, rate, damping: float):
    """log N(residual; 0, K) and its gradient with respect to (residual, noise_var, level, rate)."""
    t = np.asarray(t, dtype=float)
    base_level = np.minimum(t[:, None], t[None, :])
    base_rate = covariance(t[:, None], t[None, :], 0.0, 1.0, damping)
    k = level ** 2 * base_level + rate ** 2 * base_rate + np.diag(np.asarray(noise_var) + JITTER)
    chol = np.linalg.cholesky(k)
    alpha = np.linalg.solve(k, residual)
    logp = -0.5 * (residual @ alpha) - np.log(np.diag(chol)).sum() - 0.5 * t.size * np.log(2 * np.pi)
    inner = 0.5 * (np.outer(alpha, alpha) - np.linalg.inv(k))
    grads = (-alpha, np.diag(inner).copy(), 2.0 * level * np.sum(inner * base_level),
             2.0 * rate * np.sum(inner * base_rate))
    return float(logp), grads


def gp_log_likelihood_tensor(t, residual, noise_var, level, rate, damping: float):
    """The same log-likelihood on PyTensor variables, differentiable (for the PyMC model)."""
    import pytensor.tensor as pt

    op = _op_class()(tuple(float(x) for x in np.asarray(t, dtype=float)), float(damping))
    return op(pt.as_tensor_variable(residual), pt.as_tensor_variable(noise_var),
              pt.as_tensor_variable(level), pt.as_tensor_variable(rate))


_CACHE: dict = {}


def _op_class():
    """Build the Op classes once, on first use (PyTensor is imported lazily)."""
    if "op" in _CACHE:
        return _CACHE["op"]
    import pytensor.tensor as pt
    from pytensor.graph.basic import Apply
    from pytensor.graph.op import Op

    class _GPOp(Op):
        """Shared by the likelihood and its gradient: the times and damping are constants of the Op."""

        __props__ = ("times", "damping")
        outputs: tuple = ()

        def __init__(self, times, damping):
            self.times = times
            self.damping = damping

        def make_node(self, residual, noise_var, level, rate):
            inputs = [pt.as_tensor_variable(v) for v in (residual, noise_var, level, rate)]
            return Apply(self, inputs, [make() for make in self.outputs])

        def evaluate(self, inputs):
            return gp_log_likelihood_and_grad(np.array(self.times), *inputs, self.damping)

    class GPGrad(_GPOp):
        outputs = (pt.dvector, pt.dvector, pt.dscalar, pt.dscalar)

        def perform(self, node, inputs, outputs):
            for out, value in zip(outputs, self.evaluate(inputs)[1]):
                out[0] = np.asarray(value, dtype=float)

    class GPLogLikelihood(_GPOp):
        outputs = (pt.dscalar,)

        def perform(self, node, inputs, outputs):
            outputs[0][0] = np.asarray(self.evaluate(inputs)[0])

        def grad(self, inputs, output_grads):
            (g,) = output_grads
            return [g * part for part in GPGrad(self.times, self.damping)(*inputs)]

    _CACHE["op"] = GPLogLikelihood
    return GPLogLikelihood
