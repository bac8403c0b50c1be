"""Process-wide settings that the command line makes before any work (a library never changes them itself)."""
from __future__ import annotations

MALLOC_MMAP_THRESHOLD = 32 * 2**20  # bytes: smaller blocks (a stream block's arrays are 512 KiB) reuse the heap
MALLOC_TRIM_THRESHOLD = 64 * 2**20  # bytes of free heap kept for reuse instead of returned to the system


def tune_malloc() -> bool:
    """Keep freed memory for reuse (glibc's ``mallopt``): True if set, False where there is no glibc.

    Every stream block allocates and frees dozens of 512 KiB arrays. glibc returns
    freed memory at the top of its heap to the system as soon as more than about
    1 MiB is free there (and maps blocks above its threshold afresh), so each new
    array is zero-filled page by page again: about 50,000 page faults in a run of
    2 M draws, a quarter of its time (benchmarks/bench_throughput.py --tune-malloc, with the kernels).
    This keeps up to :data:`MALLOC_TRIM_THRESHOLD` of free heap mapped instead. It
    changes the whole process's allocator, so the command line calls it, not the library.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on (find_library spawns ldconfig)
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    return bool(mallopt(m_mmap_threshold, MALLOC_MMAP_THRESHOLD)) and bool(mallopt(m_trim_threshold,
                                                                                 MALLOC_TRIM_THRESHOLD))
