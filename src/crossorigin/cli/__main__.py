"""`python -m crossorigin.cli`: the same command as `python -m crossorigin`."""

import sys

from crossorigin.cli import main

if __name__ == "__main__":
    sys.exit(main())
