"""Every code sample in README.md, SECURITY.md and docs/*.md runs.

Each fenced block is one test, named `FILE:LINE` (the line of its opening
fence), so a failure says which block broke. How a block runs depends on its
language and on an optional marker, an HTML comment on the line just above
the fence (invisible on GitHub):

- `python`: executed as a whole, in a fresh namespace, in a temporary
  directory.
- `pycon`, or any block whose first line starts with `>>> `: a doctest
  (ELLIPSIS and NORMALIZE_WHITESPACE on, so `...` may stand for the tail of a
  long message).
- `toml`: a policy file; it must load with `Policy.from_toml`.
- `sh`: each command line (comments dropped, `\\` continuations joined) runs
  in bash with the project's `crossorigin` first on PATH; only `crossorigin`
  commands (possibly in a pipeline) may appear. Exit 0 or 1 is a valid
  outcome of an example (allowed/blocked, clean/findings); 2 is an error.
- `text` and other languages: prose, not run.

Markers:

- `<!-- docs-test: skip (REASON) -->`: not run; the reason is required.
- `<!-- docs-test: fragment given NAME, ... -->`: a python block that uses
  names it does not define; the test defines exactly those, from STUBS below.
- `<!-- docs-test: file NAME -->`: the block's text is written to NAME in the
  working directory of every later block of the same document (and still
  runs as its language says).
- `<!-- docs-test: api on 127.0.0.1:PORT -->`: an `sh` block run while a
  loopback API (crossorigin's WSGI adapter, allowing http://localhost:3000)
  listens there; skipped when the port is taken.
- `<!-- docs-test: long-running -->`: an `sh` block whose command serves
  until stopped: it must still be running after a few seconds, then is
  stopped.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from crossorigin import Policy
from crossorigin.wsgi import CORSMiddleware

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "SECURITY.md", *(ROOT / "docs").rglob("*.md")],
    key=lambda path: str(path),
)
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<text>.*?)\s*-->\s*$")
BIN = Path(sys.executable).parent
PASSING_EXITS = (0, 1)


@dataclass(frozen=True)
class Block:
    document: Path
    line: int  # 1-based line of the opening fence
    language: str
    text: str
    marker: str  # the marker's text, "" without one

    @property
    def name(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def blocks_of(document: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, with the marker just above each."""
    lines = document.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening["fence"]
        # CommonMark: a fence indented by N spaces (inside a list item) has up
        # to N spaces removed from each line of its content.
        indent = len(opening["indent"])
        language = opening["info"].strip().split(" ")[0].lower()
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not (
            lines[end].strip().startswith(fence[0] * len(fence))
            and lines[end].strip().strip(fence[0]) == ""
        ):
            line = lines[end]
            body.append(line[min(indent, len(line) - len(line.lstrip(" "))) :])
            end += 1
        above = lines[index - 1] if index > 0 else ""
        marker = MARKER.match(above)
        found.append(
            Block(
                document=document,
                line=index + 1,
                language=language,
                text="\n".join(body) + "\n",
                marker=marker["text"] if marker else "",
            )
        )
        index = end + 1
    return found


ALL_BLOCKS = [block for document in DOCUMENTS for block in blocks_of(document)]


# -- stubs for fragments -----------------------------------------------------------------


class StubApp:
    """Stands for the user's FastAPI/Starlette app (`add_middleware`) and Flask app
    (`wsgi_app`) at once; the middleware is really constructed, so a wrong
    option name fails here."""

    def __init__(self) -> None:
        self.middleware: list[object] = []

    async def asgi(self, scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    def wsgi_app(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    def add_middleware(self, middleware: Callable[..., object], **options: Any) -> None:
        self.middleware.append(middleware(self.asgi, **options))


STUBS: dict[str, Callable[[], object]] = {
    "app": StubApp,
    "policy": lambda: Policy(origins=["https://app.example.com"], credentials=True),
    "new_policy": lambda: Policy(origins=["https://app.example.com", "https://b.example.com"]),
}


# -- running -------------------------------------------------------------------------------


def _setting(marker: str, keyword: str) -> str | None:
    return marker[len(keyword) :].strip() if marker.startswith(keyword) else None


def _prepare(block: Block, workdir: Path) -> None:
    """Write the files that earlier blocks of the same document declare."""
    for earlier in blocks_of(block.document):
        if earlier.line >= block.line:
            break
        name = _setting(earlier.marker, "file")
        if name:
            (workdir / name).write_text(earlier.text, encoding="utf-8")


def _run_python(block: Block) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    given = _setting(block.marker, "fragment given")
    if block.marker.startswith("fragment") and given is None:
        pytest.fail(f"{block.name}: write the fragment marker as 'fragment given NAME, ...'")
    for name in (part.strip() for part in (given or "").split(",")):
        if not name:
            continue
        if name not in STUBS:
            pytest.fail(f"{block.name}: no stub for {name!r}; add one to STUBS in {__file__}")
        namespace[name] = STUBS[name]()
    code = compile(block.text, block.name, "exec")
    exec(code, namespace)


def _run_doctest(block: Block) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.text, {}, block.name, str(block.document), block.line)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    report: list[str] = []
    runner.run(test, out=report.append)
    if runner.failures:
        pytest.fail(f"{block.name}: doctest failed\n" + "".join(report), pytrace=False)


def _commands(block: Block) -> list[str]:
    commands: list[str] = []
    pending = ""
    for raw in block.text.splitlines():
        line = pending + raw
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1] + " "
            continue
        pending = ""
        words = shlex.split(line, comments=True)
        if not words:
            continue
        command = shlex.join(words) if "|" not in words else line.split(" #")[0]
        programs = [segment.split()[0] for segment in command.split("|") if segment.split()]
        if "crossorigin" not in programs or not set(programs) <= {"crossorigin", "cat", "echo"}:
            pytest.fail(
                f"{block.name}: {line.strip()!r} is not a crossorigin command line; "
                "mark the block `<!-- docs-test: skip (REASON) -->` if it cannot run here"
            )
        commands.append(command)
    return commands


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("CI", None)
    return env


def _run_sh(block: Block, workdir: Path) -> None:
    long_running = block.marker == "long-running"
    for command in _commands(block):
        if long_running:
            _run_long(block, command, workdir)
            continue
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=workdir,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode not in PASSING_EXITS:
            pytest.fail(
                f"{block.name}: `{command}` exited {done.returncode}\n"
                f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}",
                pytrace=False,
            )


def _run_long(block: Block, command: str, workdir: Path) -> None:
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=workdir,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        process.wait(timeout=4)
    except subprocess.TimeoutExpired:
        return  # still serving, as it should
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
    output = process.stdout.read() if process.stdout else ""
    if "already in use" in output or "cannot listen" in output:
        # The samples use the documented fixed ports (3000, 8000, 8080); another
        # test or program holding one is not the sample's fault.
        pytest.skip(f"{block.name}: a port the sample uses is taken: {output.strip()[-200:]}")
    pytest.fail(
        f"{block.name}: `{command}` stopped by itself (exit {process.returncode})\n{output}",
        pytrace=False,
    )


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _loopback_api(port: int) -> Iterator[None]:
    def api(environ: Any, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    app = CORSMiddleware(
        api,
        policy=Policy(
            origins=["http://localhost:3000"],
            methods=["GET", "PUT", "POST", "DELETE"],
            request_headers=["Content-Type", "Authorization"],
        ),
    )
    try:
        server: WSGIServer = make_server("127.0.0.1", port, app, handler_class=_QuietHandler)
    except OSError as error:
        pytest.skip(f"127.0.0.1:{port} is taken ({error.strerror})")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_block(block: Block, workdir: Path) -> None:
    _prepare(block, workdir)
    if block.language == "pycon" or block.text.lstrip().startswith(">>> "):
        _run_doctest(block)
    elif block.language == "python":
        _run_python(block)
    elif block.language == "toml":
        (workdir / "_block.toml").write_text(block.text, encoding="utf-8")
        Policy.from_toml(workdir / "_block.toml")
    elif block.language in ("sh", "bash", "shell", "console"):
        api = _setting(block.marker, "api on")
        if api:
            host, _, port = api.rpartition(":")
            assert host == "127.0.0.1", f"{block.name}: the API marker serves loopback only"
            with _loopback_api(int(port)):
                _run_sh(block, workdir)
        else:
            _run_sh(block, workdir)


RUNNABLE = ("python", "pycon", "toml", "sh", "bash", "shell", "console")


def _params() -> list[Any]:
    params = []
    for block in ALL_BLOCKS:
        marks = []
        reason = _setting(block.marker, "skip")
        if reason is not None:
            marks.append(pytest.mark.skip(reason=reason.strip("() ") or "no reason"))
        params.append(pytest.param(block, id=block.name, marks=marks))
    return params


@pytest.mark.parametrize("block", _params())
def test_code_sample_runs(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if block.language not in RUNNABLE and not block.text.lstrip().startswith(">>> "):
        return  # prose (a synopsis, an error message): nothing to run
    monkeypatch.chdir(tmp_path)
    run_block(block, tmp_path)


def test_every_skip_gives_a_reason() -> None:
    for block in ALL_BLOCKS:
        reason = _setting(block.marker, "skip")
        assert reason is None or reason.strip("() "), f"{block.name}: skip without a reason"


def test_markers_are_known() -> None:
    known = ("skip", "fragment given", "file", "api on", "long-running")
    for block in ALL_BLOCKS:
        if block.marker:
            assert block.marker.startswith(known), f"{block.name}: unknown marker {block.marker!r}"


def test_the_extractor_finds_the_readme_samples() -> None:
    """A guard on the extractor itself: the README's samples are all seen."""
    readme = [block for block in ALL_BLOCKS if block.document.name == "README.md"]
    languages = {block.language for block in readme}
    assert {"python", "pycon", "toml", "sh"} <= languages
    assert any("Policy.from_toml" in block.text for block in readme)
