"""`python -m bench NAME [options]`: run one benchmark by name (load, identity, classify, ...)."""

import sys

from bench import classify, concurrency, identity, load, pages, scale, server, sync

BENCHMARKS = {"load": load.main, "identity": identity.main, "classify": classify.main, "scale": scale.main,
              "sync": sync.main, "pages": pages.main, "server": server.main,
              "concurrency": concurrency.main}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
        sys.exit(f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [options]")
    BENCHMARKS[sys.argv[1]](sys.argv[2:])
