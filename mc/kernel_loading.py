"""Loading the compiled kernels (mc.kernels) on a background thread, for mc.fastppf.compiled's auto mode.

The thread imports mc.kernels and calls every kernel once (:func:`mc.kernels.warm_up`)
while the run goes on in numpy; :func:`loaded` gives the kernels only once that has
finished successfully, and None for the rest of the process if it failed. Both paths
give the same bits, so when the switch happens never changes a number. Figures:
mc.fastppf.COMPILE_AFTER and benchmarks/bench_kernels.py --background.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys
import threading

_loader: threading.Thread | None = None  # the background load, once started
_loaded = None  # mc.kernels once the background load has finished successfully: the ready flag
_start_lock = threading.Lock()
logger = logging.getLogger(__name__)


def started() -> bool:
    """Whether the background load has been started in this process (it may still be running, or have failed)."""
    return _loader is not None


def loaded():
    """mc.kernels if the background load has finished successfully, else None."""
    return _loaded


def start() -> threading.Thread:
    """Start loading the kernels on a daemon thread (once per process); returns that thread."""
    global _loader
    with _start_lock:
        if _loader is None:
            _loader = threading.Thread(target=_load_kernels, name="mc-kernels-load", daemon=True)
            _loader.start()
        return _loader


def _load_kernels() -> None:
    """Import mc.kernels and compile (or load from numba's cache) every kernel; on any error stay on numpy.

    Compiling holds the GIL most of the time (numba types and lowers in Python), so on
    this thread it would stall the run as much as compiling on the main thread. When
    numba's cache lacks a kernel (the first run after install), a child interpreter
    compiles them all into the cache, on another core, while this thread waits with the
    GIL released, at a lower priority than the runs; then the kernels load here from
    the cache (about 1 s of CPU, which does stall the run: benchmarks/bench_kernels.py
    --background).
    """
    global _loaded
    try:
        kernels = importlib.import_module("mc.kernels")
        if not _all_cached(kernels):
            _compile_in_child()
        kernels.warm_up()
    except Exception as error:  # noqa: BLE001 (numba missing or broken, a compiler error...: numpy serves)
        logger.debug("compiled kernels unavailable, staying on numpy: %r", error)
        return
    _loaded = kernels


def _all_cached(kernels) -> bool:
    """Whether numba's on-disk cache holds an entry for every kernel of this source (False if it cannot tell)."""
    try:
        dispatchers = [k for k in vars(kernels).values() if hasattr(k, "signatures") and hasattr(k, "_cache")]
        return bool(dispatchers) and all(d._cache._cache_file._load_index() for d in dispatchers)
    except Exception:  # noqa: BLE001 (numba internals moved: compile in a child, which is always correct)
        return False


def _compile_in_child() -> None:
    """Run :func:`mc.kernels.warm_up` in a fresh interpreter (same numba cache); failures are ignored, since
    the warm-up that follows in this process compiles whatever is still missing."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the directory holding mc
    code = (f"import os, sys; os.nice(10); sys.path.insert(0, {root!r}); "  # niced: the runs first, on a busy machine
            "from mc import kernels; kernels.warm_up()")
    try:
        subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=600, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        logger.debug("compiling the kernels in a child failed: %r", error)
