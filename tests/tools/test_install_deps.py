"""scripts/install-system-deps, the set-up step `make test` and `.ci/run` share,
run against fake programs: what it installs, when it asks for root, and that
it does nothing (no apt-get update, no npm) when everything is there."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "install-system-deps"
# Debian package -> program; nginx and apache2 are left to the machine's /usr/sbin
# (the script looks there whatever PATH says), so the fakes cover the rest.
FAKED = {
    "chromium": "chromium",
    "caddy": "caddy",
    "nodejs": "node",
    "npm": "npm",
    "redis-server": "redis-server",
    "etcd-server": "etcd",
    "firefox-esr": "firefox-esr",
    "webkit2gtk-driver": "WebKitWebDriver",
    "xvfb": "Xvfb",
    "faketime": "faketime",
}

pytestmark = pytest.mark.skipif(
    not (Path("/usr/sbin/nginx").exists() and Path("/usr/sbin/apache2").exists()),
    reason="these fakes rely on the machine's /usr/sbin/nginx and /usr/sbin/apache2",
)


def _fake(path: Path, body: str) -> None:
    path.write_text("#!/bin/bash\n" + body + "\n")
    path.chmod(0o755)


class Machine:
    """A repository copy holding the script, and a bin/ of fake programs."""

    def __init__(self, root: Path, *, uid: int, present: set[str]) -> None:
        self.root = root
        self.bin = root / "bin"
        self.log = root / "calls.log"
        self.bin.mkdir()
        (root / "scripts").mkdir()
        shutil.copy(SCRIPT, root / "scripts" / SCRIPT.name)
        os.symlink(shutil.which("dirname") or "/usr/bin/dirname", self.bin / "dirname")
        _fake(self.bin / "id", f"echo {uid}")
        # apt-get install "installs" a package by creating its fake program.
        programs = " ".join(f"[{package}]={program}" for package, program in FAKED.items())
        _fake(
            self.bin / "apt-get",
            f'echo "apt-get $*" >> {self.log}\n'
            f"declare -A P=({programs})\n"
            'if [ "$1" = install ]; then for a in "$@"; do\n'
            f'  [ -n "${{P[$a]:-}}" ] && printf "#!/bin/bash\\n" > {self.bin}/${{P[$a]}}'
            f" && /bin/chmod +x {self.bin}/${{P[$a]}}\n"
            "done; fi; exit 0",
        )
        for package in present:
            self.install(package)

    def install(self, package: str) -> None:
        program = FAKED[package]
        if program == "node":
            # Express resolves once npm has put it in NODE_PATH.
            _fake(self.bin / "node", '[ -d "${NODE_PATH%%:*}/express" ]')
        elif program == "npm":
            _fake(
                self.bin / "npm",
                f'echo "npm $*" >> {self.log}\n'
                'while [ "$1" != --prefix ]; do shift; done\n'
                '/bin/mkdir -p "$2/node_modules/express" "$2/node_modules/.bin"\n'
                # workerd's package puts its binary in node_modules/.bin.
                'printf "#!/bin/bash\\necho workerd\\n" > "$2/node_modules/.bin/workerd"\n'
                '/bin/chmod +x "$2/node_modules/.bin/workerd"',
            )
        else:
            _fake(self.bin / program, "exit 0")

    def run(self, *, ci: bool = False) -> subprocess.CompletedProcess[str]:
        env = {"PATH": str(self.bin), "HOME": str(self.root)}
        if ci:
            env["CI"] = "true"
        return subprocess.run(
            ["/bin/bash", str(self.root / "scripts" / SCRIPT.name)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def test_nothing_missing_runs_no_apt_get_and_no_npm(tmp_path: Path) -> None:
    machine = Machine(tmp_path, uid=0, present=set(FAKED))
    (tmp_path / ".ci" / "node" / "node_modules" / "express").mkdir(parents=True)
    (tmp_path / ".ci" / "node" / "node_modules" / ".bin").mkdir()
    _fake(tmp_path / ".ci" / "node" / "node_modules" / ".bin" / "workerd", "echo workerd")
    done = machine.run(ci=True)
    assert done.returncode == 0, done.stderr
    assert machine.calls() == []
    assert done.stderr == ""


def test_as_root_installs_only_what_is_missing(tmp_path: Path) -> None:
    machine = Machine(tmp_path, uid=0, present={"nodejs", "npm"})
    done = machine.run(ci=True)
    assert done.returncode == 0, done.stderr
    assert machine.calls() == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends chromium caddy redis-server etcd-server"
        " firefox-esr webkit2gtk-driver xvfb faketime",
        "npm install --silent --no-audit --no-fund --no-save --prefix .ci/node express@4 workerd",
    ]
    assert (tmp_path / "bin" / "chromium").exists()


def test_not_root_stops_with_the_one_command_to_run(tmp_path: Path) -> None:
    machine = Machine(tmp_path, uid=1000, present={"caddy", "nodejs", "npm"})
    done = machine.run()
    assert done.returncode == 1
    assert machine.calls() == []
    assert (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium"
        in done.stderr.splitlines()[-1]
    )


def test_ci_fails_when_a_tool_is_still_missing(tmp_path: Path) -> None:
    machine = Machine(tmp_path, uid=0, present={"caddy", "nodejs", "npm"})
    (tmp_path / "bin" / "apt-get").write_text("#!/bin/bash\nexit 0\n")  # installs nothing
    done = machine.run(ci=True)
    assert done.returncode == 1
    assert "still missing under CI: chromium" in done.stderr
    # Outside CI the same machine warns and lets the suite skip those tests.
    outside = machine.run()
    assert outside.returncode == 0
    assert "still missing: chromium" in outside.stderr


def test_make_test_and_ci_share_the_step() -> None:
    root = SCRIPT.parent.parent
    makefile = (root / "Makefile").read_text()
    assert "deps:\n\tscripts/install-system-deps" in makefile
    assert "test: $(STAMP) deps" in makefile
    assert "make test" in (root / ".ci" / "run").read_text()
