"""The exit status of every `crossorigin` command.

One meaning per number, whatever the command: scripts and CI steps can test
`$? -eq 1` for "ran fine, and found something to act on" without knowing
which command ran.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitStatus"]


class ExitStatus(IntEnum):
    #: Allowed, valid, clean: nothing to act on.
    OK = 0
    #: The command ran and found something to act on: a request the browser
    #: blocks (`check`, `simulate`), a policy with problems (`lint`), a finding
    #: at or above `--fail-on` (`audit`).
    PROBLEMS = 1
    #: The command could not do its job: bad input or arguments, a file that
    #: cannot be read, a server that cannot be reached. One line on stderr,
    #: never a traceback.
    ERROR = 2
