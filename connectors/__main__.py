"""`python -m connectors` was the command line until it moved above connectors and models (a load, sync or demo also
builds the models): it only says where the command went, and imports nothing of the project."""

import shlex
import sys

if __name__ == "__main__":
    command = shlex.join(sys.argv[1:]) or "COMMAND"
    print(f"error: the command line moved: run `python -m rapport {command}` (load, sync, status, quarantine, "
          "mappings, demo, worker)", file=sys.stderr)
    sys.exit(2)
