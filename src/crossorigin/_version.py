"""The package's version, in a module of its own so that anything needing it
(the `--version` option, the audit's User-Agent and SARIF report, exported
configurations) imports one constant without importing the engine.

Keep it equal to `version` in pyproject.toml (tests/unit/test_version.py checks).
"""

__version__ = "0.1.0"
