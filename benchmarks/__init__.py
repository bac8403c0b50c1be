"""Benchmarks of mc, each printed as a ratio to a baseline timed in the same process.

Run them all with ``python -m benchmarks`` (``--quick`` for a small size); see README.md.
"""
