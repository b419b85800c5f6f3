"""`python -m crossorigin`: the `crossorigin` command, for environments where
the console script is not on PATH."""

import sys

from crossorigin.cli import main

if __name__ == "__main__":
    sys.exit(main())
