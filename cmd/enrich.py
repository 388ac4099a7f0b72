"""The `enrich` command line (also installed as `.venv/bin/enrich`); see `enrich --help`."""

import sys

from internal.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
