"""The ``--cluster`` option of `mc run`, `stress`, `sweep`, `sensitivity` and `project` (dask loads only when used)."""
from __future__ import annotations

import argparse
import contextlib
from typing import Iterator


def add_cluster_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--cluster local:N | tcp://HOST:PORT`` (default from the MC_CLUSTER environment variable)."""
    parser.add_argument("--cluster", default=None, metavar="SPEC",
                        help="run blocks on Dask: local:N starts N worker processes on 127.0.0.1, "
                             "tcp://HOST:PORT joins a running scheduler (default $MC_CLUSTER; same numbers "
                             "as one process)")


def check_cluster_option(args: argparse.Namespace) -> str | None:
    """The validated cluster spec (option, else MC_CLUSTER), or None; stored back on ``args.cluster``."""
    from mc.executor import cluster_spec

    args.cluster = cluster_spec(getattr(args, "cluster", None))
    return args.cluster


@contextlib.contextmanager
def cluster_from_args(args: argparse.Namespace) -> Iterator:
    """The executor for ``args.cluster`` (None: threads); a cluster it starts is shut down on any exit."""
    spec = check_cluster_option(args)
    if spec is None:
        yield None
        return
    from mc.executor import cluster

    with cluster(spec) as executor:
        yield executor
