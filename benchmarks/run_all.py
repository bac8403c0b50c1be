"""Run every benchmark in turn and print their lines: ``python -m benchmarks [--quick]``.

--quick runs each on a tiny size (seconds, not minutes); the growth fit, which
needs PyMC and a NUTS run, is left out unless --growth is given.
"""
from __future__ import annotations

import argparse
import platform
from datetime import datetime, timezone

from benchmarks import bench_growth, bench_lhs, bench_memory, bench_model, bench_startup, bench_throughput


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--growth", action="store_true", help="also time the PyMC growth fit")
    p.add_argument("--draws", default="2e6", help="draws for the throughput benchmark")
    p.add_argument("--memory-draws", default="1e8", help="draw counts for the memory benchmark (e.g. 1e8,1e9)")
    args = p.parse_args(argv)
    quick = ["--quick"] if args.quick else []
    print(f"# {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
          f"{platform.python_version()}", flush=True)
    print("## throughput", flush=True)
    bench_throughput.main(["--draws", args.draws, *quick])
    print("## lhs against mc to equal precision", flush=True)
    bench_lhs.main(quick)
    print("## model file", flush=True)
    bench_model.main(quick)
    print("## memory", flush=True)
    bench_memory.main(["--draws", args.memory_draws, *quick])
    print("## startup", flush=True)
    bench_startup.main(quick)
    if args.growth:
        print("## growth", flush=True)
        bench_growth.main(quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
