"""Model-file evaluation against the same model written by hand in numpy (issue 10: lose no speed).

Both evaluate every output of the report's model on the same input draws
(priors/base.toml, one stream block at a time, as the engine does); the ratio
is hand-written time over model-file time, measured in the same process (> 1:
the model file is faster). Prints ``time`` and ``ratio`` lines (benchmarks/common.py).

    python -m benchmarks.bench_model [--quick] [--draws N]
"""
from __future__ import annotations

import argparse

import numpy as np

from benchmarks.common import best_time, emit, handwritten_report_model
from mc.priors import load_priors
from mc.sampling import draw


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a small size (seconds)")
    p.add_argument("--draws", type=float, default=65_536, help="draws per evaluation (default one stream block)")
    p.add_argument("--repeats", type=int, default=200, help="evaluations per timing")
    args = p.parse_args(argv)
    n, repeats = (4096, 20) if args.quick else (int(args.draws), args.repeats)
    priors = load_priors()
    x = draw(priors, n, seed=1)
    model = priors.model
    ours, theirs = model.evaluate(x), handwritten_report_model(x)
    for name in model.outputs:  # the same numbers, or the timing means nothing
        scale = np.max(np.abs(theirs[name]))  # a difference of large terms (profit) is exact only to their size
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-12, atol=1e-12 * scale)
    t_model = best_time(lambda: [model.evaluate(x) for _ in range(repeats)], repeats=5)
    t_hand = best_time(lambda: [handwritten_report_model(x) for _ in range(repeats)], repeats=5)
    emit("time", "model_file_evaluate", t_model / repeats, note=f"{n:,} draws, every output")
    emit("time", "handwritten_numpy_evaluate", t_hand / repeats, note=f"{n:,} draws, every output")
    emit("ratio", "model_file/handwritten", t_hand / t_model, note="> 1: the model file is faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
