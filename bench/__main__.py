"""`python -m bench load|identity [options]`: run one benchmark by name."""

import sys

from bench import identity, load

BENCHMARKS = {"load": load.main, "identity": identity.main}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
        sys.exit(f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [options]")
    BENCHMARKS[sys.argv[1]](sys.argv[2:])
