"""``python -m benchmarks``: every benchmark (see run_all.py and README.md)."""
from benchmarks.run_all import main

raise SystemExit(main())
