"""`python -m bench load [--rows N]`: run one benchmark by name."""

import sys

from bench import load

BENCHMARKS = {"load": load.main}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
        sys.exit(f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [options]")
    BENCHMARKS[sys.argv[1]](sys.argv[2:])
