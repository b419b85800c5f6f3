"""Fuzz harness: the proxy's request parser, from raw bytes to the log line.

Runs what `CORSProxy` runs on a client's bytes: h11's server side, then
`crossorigin.proxy.request.admit` (the proxy's own checks), the engine, and
the log line. Input: a selector byte (listen address, target prefix, and how
the bytes are cut into reads), then the raw bytes a client sends.

Invariants: h11 rejects only with `RemoteProtocolError` carrying a 4xx/5xx
hint (the proxy's "malformed request" answer); `admit` either refuses with
400 or 421, or returns a request whose single `Host` names the proxy, that
does not carry both Content-Length and Transfer-Encoding, whose upstream
target, once percent-decoded and normalised as an upstream might
(`posixpath.normpath`, `\\` as `/`, `;params` dropped), stays under the
target's prefix, and whose upstream headers carry exactly one `Host`, the
target's, and no hop-by-hop header (WebSocket upgrades excepted). Repeated
`Origin` lines are never allowed. The log line is printable.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote_to_bytes

from fuzz_common import instrumented, run

FUZZING = __name__ == "__main__"
if FUZZING:  # h11 parses the bytes first: its branches guide the mutations too
    import atheris

    with atheris.instrument_imports(include=["h11"]):
        import h11
with instrumented(FUZZING):
    import h11

    from crossorigin import Engine, Policy
    from crossorigin.engine import RequestKind
    from crossorigin.proxy.addresses import ListenAddress, OwnAddress, Target
    from crossorigin.proxy.request import Refused, admit
    from crossorigin.proxy.server import MAX_HEAD_SIZE, describe, request_line
    from crossorigin.terminal import safe

PORT = 8080
OWN: list[OwnAddress] = [
    ListenAddress("127.0.0.1", 0).own_address(PORT),
    ListenAddress("::1", 0).own_address(80),
    ListenAddress("0.0.0.0", 0).own_address(PORT, "192.0.2.7"),
    ListenAddress("dev.example", 0).own_address(PORT),
]
TARGETS = [Target.parse("http://127.0.0.1:8000"), Target.parse("http://127.0.0.1:8000/api/v1")]
POLICY = Policy(origins=["http://localhost:3000"], request_headers=["*", "Authorization"])
ENGINE = Engine(POLICY)
READ_SIZES = [1, 7, 64, 1 << 20]
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"upgrade"}


def check(data: bytes) -> None:
    selector = data[0] if data else 0
    own = OWN[selector & 3]
    target = TARGETS[(selector >> 2) & 1]
    size = READ_SIZES[(selector >> 3) & 3]
    raw = data[1:]
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_SIZE)
    pieces = [raw[i : i + size] for i in range(0, len(raw), size)] + [b""]
    for piece in pieces:
        conn.receive_data(piece)
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as error:
            assert 400 <= error.error_status_hint < 600
            return
        if isinstance(event, h11.Request):
            _check_request(event, own, target)
            return
        if event is not h11.NEED_DATA:
            return


def _check_request(request: h11.Request, own: OwnAddress, target: Target) -> None:
    try:
        admitted = admit(request, own, target)
    except Refused as refusal:
        assert refusal.status in (400, 421), refusal.status
        return
    names = [name for name, _ in request.headers]
    hosts = [value for name, value in request.headers if name == b"host"]
    assert len(hosts) == 1 and hosts[0].lower() in own.hosts, hosts
    assert not {b"content-length", b"transfer-encoding"} <= set(names)

    prefix = target.path_prefix.encode()
    assert admitted.upstream_target.startswith(prefix + b"/")
    path = admitted.upstream_target.split(b"?", 1)[0]
    decoded = unquote_to_bytes(path).replace(b"\\", b"/")
    decoded = b"/".join(segment.split(b";", 1)[0] for segment in decoded.split(b"/"))
    normalized = posixpath.normpath(decoded)
    assert normalized == prefix or normalized.startswith(prefix + b"/"), normalized

    upstream_hosts = [v for n, v in admitted.upstream_headers if n.lower() == b"host"]
    assert upstream_hosts == [target.authority]
    if not admitted.is_websocket:
        assert not any(n.lower() in HOP_BY_HOP for n, _ in admitted.upstream_headers)

    if admitted.is_websocket:
        decision = ENGINE.websocket(admitted.origin, admitted.self_origin)
    else:
        decision = ENGINE.decide(admitted.method, admitted.headers, admitted.self_origin)
    if names.count(b"origin") > 1 and decision.kind is not RequestKind.NOT_CORS:
        assert not decision.allowed
    line = safe(f"{request_line(request)} -> {describe(decision, admitted.credentialed, False)}")
    assert line.isprintable()


if __name__ == "__main__":
    run(check)
