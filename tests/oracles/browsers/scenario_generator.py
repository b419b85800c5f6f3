"""Seeded scenario generator for the Chromium oracle, and the hand-written edge cases.

Theory of operation: a generated scenario starts from what a correct server
would answer for a random request (so about half are allowed) and then bends
each part of the answer, with some probability, into one of the odd forms real
servers send: `Access-Control-Allow-Origin` with a trailing slash, upper case,
`null`, padding, a comma list or two header lines; `-Allow-Credentials: True`;
method and header lists with odd spacing, case, `*` or a parse error; bad
preflight statuses; redirect chains; expose lists; max-age values. Requests
vary methods (including `patch` and custom tokens), request headers (safelisted
and not, and safelisted names with values that lose the safelisting), the
credentials mode and the request mode.

Scenarios use the JSON format of docs/scenario-format.md with placeholders that the harness fills
in at run time: `{page_port}`, `{api_port}`, `{other_port}` and `{sid}` (the
unique path segment that keys the server's answers). Scenario `i` of seed `s`
depends only on `(s, i)`, so a disagreement found in a large run is
reproduced by its name alone.

`python tests/oracles/browsers/scenario_generator.py` rewrites corpus.json: the seeded
scenarios plus `edge_cases()`, Chromium's documented behaviours.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from crossorigin import fetch_tables

PAGE = "http://127.0.0.1:{page_port}"
PAGE_LOCALHOST = "http://localhost:{page_port}"
API = "http://127.0.0.1:{api_port}"
API_LOCALHOST = "http://localhost:{api_port}"
OTHER = "http://127.0.0.1:{other_port}"

CORPUS_PATH = Path(__file__).with_name("corpus.json")
CORPUS_SEED = 20261124
CORPUS_RANDOM_COUNT = 320

Scenario = dict[str, Any]
Entry = dict[str, Any]

_METHODS = [
    ("GET", 25),
    ("POST", 14),
    ("HEAD", 5),
    ("PUT", 12),
    ("DELETE", 8),
    ("PATCH", 8),
    ("patch", 4),
    ("delete", 3),
    ("put", 2),
    ("get", 2),
    ("post", 1),
    ("OPTIONS", 3),
    ("FOO", 3),
]

_SAFELISTED_HEADERS = [
    ("Accept", "application/json"),
    ("Accept", "*/*"),
    ("Content-Type", "text/plain"),
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Content-Type", "multipart/form-data; boundary=x"),
    ("Content-Type", "text/plain;charset=UTF-8"),
    ("Content-Type", " text/plain "),
    ("Accept-Language", "en-US,en;q=0.9"),
    ("Content-Language", "de-DE"),
    ("Range", "bytes=0-1"),
    ("Range", "bytes=5-"),
]
_UNSAFE_VALUE_HEADERS = [
    ("Content-Type", "application/json"),
    ("Content-Type", "text/plain; a=" + "x" * 127),
    ("Content-Type", "text/plain{"),
    ("Accept-Language", "en(US)"),
    ("Content-Language", "de_DE"),
    ("Accept", 'text/"html"'),
    ("Accept", "a" * 129),
    ("Range", "bytes=-5"),
    ("Range", "bytes=5-1"),
    ("Range", "bytes=0-1,3-4"),
]
_UNSAFE_NAME_HEADERS = [
    ("X-Custom", "1"),
    ("X-Requested-With", "XMLHttpRequest"),
    ("Authorization", "Bearer t0ken"),
    ("X-API-Key", "k"),
    ("x-lower", "v"),
    ("X-Empty", ""),
    ("Cache-Control", "no-cache"),
    ("X-Custom", " padded "),
]
_FORBIDDEN_HEADERS = [("Cookie", "a=1"), ("Sec-Foo", "1"), ("Proxy-Foo", "1"), ("Keep-Alive", "1")]

_READABLE_CANDIDATES = [
    "X-Total",
    "X-Other",
    "Content-Type",
    "Cache-Control",
    "Set-Cookie",
    "X-Missing",
]


def _pick_weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _upper_case(origin: str) -> str:
    """`origin` in upper case, its placeholders left alone."""
    head, brace, placeholder = origin.partition("{")
    return head.upper() + brace + placeholder


def _swap_host(origin: str) -> str:
    """The same port on the other loopback name (a different origin and site)."""
    if "//127.0.0.1:" in origin:
        return origin.replace("//127.0.0.1:", "//localhost:")
    return origin.replace("//localhost:", "//127.0.0.1:")


# --- Answer pieces: correct, then bent ------------------------------------------


# --- Hostile grammars: invalid, overlong, non-ASCII and control-character forms ---
#
# Each draws a value part by part, so the URL parser's branches (scheme,
# slashes, userinfo, host forms, port, tail) and the header byte rules meet
# every combination, not only the forms somebody thought of.

_SCHEMES = ["http", "http", "https", "HTTP", "ftp", "foo", "", "1http", "ht\ttp", "a+b"]
_SEPARATORS = ["://", "://", "://", ":", ":/", ":\\\\", ":///", "//", ":://"]
_USERINFO = ["", "", "", "", "u:p@", "@", ":@", "u@"]
_HOSTS = [
    "127.0.0.1",
    "localhost",
    "0x7f.1",
    "127.1",
    "2130706433",
    "1.2.3.4.5",
    "256.0.0.1",
    "foo.1",
    "1.09",
    "0x",
    "[::1]",
    "[::1",
    "[1:2:3]",
    "a<b",
    "a^b",
    "a%2fb",
    "a%20b",
    "a%zz",
    "*.test",
    "a{b}",
    "\xe9.test",
    "\xc3\xa9.test",
    "\u20ac.test",
    "xn--a.test",
    "a\x01b",
    "a\x7fb",
    "a\tb",
    "o." + "a" * 300,
    "",
]
_PORTS = ["", "", ":{page_port}", ":0", ":65535", ":65536", ":99999", ":8x", ":", ":00080", ":-1"]
_TAILS = ["", "", "", "/", "?", "#", "%23", " ", "\t", "/x", "\\x"]
_PREFIXES = ["", "", "", "", "", " ", "\t", "\x01", "\x00"]


def hostile_url_value(rng: random.Random) -> str:
    """A URL-like header value drawn from the parser's grammar."""
    prefix = rng.choice(_PREFIXES)
    if prefix == "\x00" and rng.random() < 0.7:
        prefix = ""  # a NUL fails the whole response: keep it rare
    return (
        prefix
        + rng.choice(_SCHEMES)
        + rng.choice(_SEPARATORS)
        + rng.choice(_USERINFO)
        + rng.choice(_HOSTS)
        + rng.choice(_PORTS)
        + rng.choice(_TAILS)
    )


def hostile_header_value(rng: random.Random, base: str) -> str:
    """`base` bent by one byte rule: Latin-1, beyond ISO-8859-1, controls,
    overlong, padding."""
    return rng.choice(
        [
            base + "\xe9",
            "\xe9" * rng.choice([64, 128, 129]),
            base + "\u20ac",
            base + "\x01",
            base + "\x7f",
            base[:1] + "\t" + base[1:],
            base + "\r\n",
            base + "\n" + base,
            base * (130 // max(len(base), 1) + 1),
            "a" * rng.choice([128, 129, 1025]),
            " \t" + base + " \t",
        ]
    )


def hostile_location(rng: random.Random, index: int) -> list[str]:
    """Location values for redirect hop `index` (every followed target keeps
    the `{sid}` segment, so the scenario servers answer it)."""
    same_path = f"/{{sid}}/hop{index + 1}"
    other = rng.choice([API, OTHER, API_LOCALHOST])
    choices: list[list[str]] = [
        [f"{other}{same_path}"],
        [f"/{{sid}}/x/../hop{index + 1}"],
        [f"/{{sid}}/x/%2e%2E/hop{index + 1}"],
        [f"\\{{sid}}\\hop{index + 1}".replace("\\{", "/{", 1)],
        [f"//127.0.0.1:{{other_port}}{same_path}"],
        [f"http://0x7f.1:{{other_port}}{same_path}"],
        [f"http://:@127.0.0.1:{{other_port}}{same_path}"],
        [f"http://u:@127.0.0.1:{{other_port}}{same_path}"],
        [f"{other}{same_path}?q=\xe9 x#f"],
        [f"{other}{same_path}\u20ac"],
        ["http://127.0.0.1:99999/x"],
        ["http://[::1/x"],
        ["data:,x"],
        ["about:blank"],
        ["foo://bar/x"],
        ["ws://127.0.0.1/x"],
        [""],
        ["  "],
        [f"{other}{same_path}", f"{other}{same_path}"],
        [f"{other}{same_path}", f"{other}/{{sid}}/elsewhere"],
        [f"#frag{index}"],
    ]
    return rng.choice(choices)


def hostile_request_url(rng: random.Random, target: str) -> str:
    """A request URL whose serialization exercises the console's URL printer."""
    host_port = target.split("//", 1)[1]
    port = host_port.rsplit(":", 1)[1]
    head = rng.choice(
        [
            target,
            target,
            target.upper()
            .replace("{API_PORT}", "{api_port}")
            .replace("{PAGE_PORT}", "{page_port}")
            .replace("{OTHER_PORT}", "{other_port}"),
            f"http://0x7f.1:{port}",
            f"http://2130706433:{port}",
            f"http://127.1:{port}",
        ]
    )
    if "localhost" in target.lower():
        head = target
    tail = rng.choice(
        [
            "/{sid}/a/../r",
            "/{sid}/./r/.",
            "/{sid}/%2e/r",
            "/{sid}\\r",
            "/{sid}/r x",
            "/{sid}/r|^{}`",
            "/{sid}/\xe9",
            "/{sid}/r?a'b\"c<d>",
            "/{sid}/r?\xe9#\xe9",
            "/{sid}/r#a b",
            "/{sid}/%41%zz",
            "/{sid}/r\t\n",
        ]
    )
    return head + tail


def _allow_origin_lines(rng: random.Random, origin: str, wildcard_ok: bool) -> list[list[str]]:
    name = "Access-Control-Allow-Origin"
    if rng.random() < 0.08:
        return [[name, hostile_url_value(rng)]]
    if rng.random() > 0.3:
        return [[name, "*" if wildcard_ok and rng.random() < 0.3 else origin]]
    variant = rng.randrange(16)
    values = {
        0: [],
        1: ["*"],
        2: [origin + "/"],
        3: [_upper_case(origin)],
        4: ["null"],
        5: [" * "],
        6: [f" {origin} "],
        7: [f"{origin}, {origin}"],
        8: [origin, origin],
        9: [f"{origin}, http://other.test"],
        10: [_swap_host(origin)],
        11: [API if origin != API else OTHER],
        12: ["http://a b"],
        13: [origin.replace("http://", "HTTP://")],
        14: [""],
        15: [origin.rsplit(":", 1)[0]],
    }[variant]
    return [[name, value] for value in values]


def _allow_credentials_lines(rng: random.Random, needed: bool) -> list[list[str]]:
    name = "Access-Control-Allow-Credentials"
    if rng.random() > 0.3:
        return [[name, "true"]] if needed else []
    values = rng.choice([[], ["true"], ["True"], ["TRUE"], ["false"], [" true "], ["true, true"]])
    values = values or rng.choice([[], ["1"], ["true", "true"]])
    return [[name, value] for value in values]


def _allow_methods_lines(rng: random.Random, method: str, wildcard_ok: bool) -> list[list[str]]:
    name = "Access-Control-Allow-Methods"
    if rng.random() > 0.35:
        correct = rng.choice([method, f"GET, {method}", f"{method}, POST"])
        if wildcard_ok and rng.random() < 0.2:
            correct = "*"
        return [[name, correct]]
    values = rng.choice(
        [
            [],
            [method.lower()],
            [method.upper()],
            ["*"],
            [f" {method} , GET "],
            [f"{method};"],
            ["GET, POST"],
            [f"GET,{method}"],
            [""],
            ["GET", method],
            [f"{method}, x y"],
            [",,"],
        ]
    )
    return [[name, value] for value in values]


def _allow_headers_lines(
    rng: random.Random, names: list[str], wildcard_ok: bool
) -> list[list[str]]:
    name = "Access-Control-Allow-Headers"
    if rng.random() > 0.35:
        if not names:
            return [] if rng.random() < 0.6 else [[name, "x-unused"]]
        if wildcard_ok and rng.random() < 0.25:
            return [[name, "*"]]
        return [[name, ", ".join(names)]]
    listed = ", ".join(names) or "x-unused"
    values = rng.choice(
        [
            [],
            [listed.upper()],
            ["*"],
            [" , " + " ,, ".join(names or ["x-unused"]) + " "],
            ["x foo"],
            [", ".join(names[1:])],
            ["*, authorization"],
            [""],
            [f"{listed};"],
            [listed, "x-second"],
            [listed.title()],
        ]
    )
    return [[name, value] for value in values]


def _max_age_lines(rng: random.Random) -> list[list[str]]:
    if rng.random() < 0.75:
        return []
    value = rng.choice(["0", "5", "600", "-1", "abc", "86400", "7201", " 10 "])
    return [["Access-Control-Max-Age", value]]


def _expose_lines(rng: random.Random, wildcard_ok: bool) -> list[list[str]]:
    name = "Access-Control-Expose-Headers"
    choice = rng.choice(
        [
            None,
            None,
            "X-Total",
            "x-total",
            "X-Total, X-Other",
            " x-total ,x-other ",
            "*" if wildcard_ok else "X-Other",
            "*",
            "X-Total X-Other",
            "Set-Cookie",
            "X-Other",
            "x-total,,",
        ]
    )
    return [] if choice is None else [[name, choice]]


def _resource_lines(rng: random.Random) -> list[list[str]]:
    lines = [["X-Total", "42"]]
    if rng.random() < 0.6:
        lines.append(["X-Other", "a, b"])
    if rng.random() < 0.6:
        lines.append(["Content-Type", "text/plain"])
    if rng.random() < 0.3:
        lines.append(["Cache-Control", "no-store"])
    if rng.random() < 0.15:
        lines.append(["Set-Cookie", "k=v"])
    return lines


# --- Requests -------------------------------------------------------------------


def _request_headers(rng: random.Random) -> list[list[str]]:
    count = rng.choices([0, 1, 2, 3], weights=[35, 35, 20, 10])[0]
    headers: list[list[str]] = []
    for _ in range(count):
        pool = _pick_weighted(
            rng,
            [
                (_SAFELISTED_HEADERS, 40),
                (_UNSAFE_VALUE_HEADERS, 20),
                (_UNSAFE_NAME_HEADERS, 35),
                (_FORBIDDEN_HEADERS, 5),
            ],
        )
        name, value = rng.choice(pool)
        if rng.random() < 0.1:
            value = hostile_header_value(rng, value)
        if rng.random() < 0.08 and headers:
            # The same name twice: fetch() combines the values with ", ".
            name = headers[0][0].lower()
        headers.append([name, value])
    return headers


def _browser_view(method: str, headers: list[list[str]]) -> tuple[str, list[str]]:
    """What a correct server would need to allow: the method as sent, and the
    names a preflight asks for (used only to bias answers towards 'allowed')."""
    combined: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if fetch_tables.is_forbidden_request_header(lowered):
            continue
        value = value.strip(" \t")
        combined[lowered] = f"{combined[lowered]}, {value}" if lowered in combined else value
    unsafe = fetch_tables.cors_unsafe_request_header_names(list(combined.items()))
    return fetch_tables.normalize_method(method), unsafe


def _redirect_hops(
    rng: random.Random, url: str, page_origin: str, wildcard_ok: bool, needs_acac: bool
) -> list[Scenario]:
    hops: list[Scenario] = []
    for index in range(rng.choice([1, 1, 1, 2, 2, 3, 21])):
        target = rng.choice([API, API, OTHER, page_origin, API_LOCALHOST])
        location = f"{target}/{{sid}}/hop{index + 1}"
        if rng.random() < 0.05:
            location = location.replace("http://", "http://user:pw@")
        locations = [location]
        if rng.random() < 0.25:
            locations = hostile_location(rng, index)
        headers = [["Location", value] for value in locations]
        if rng.random() < 0.8:
            headers += _allow_origin_lines(rng, page_origin, wildcard_ok)
            headers += _allow_credentials_lines(rng, needs_acac)
        hops.append({"status": rng.choice([301, 302, 303, 307, 308]), "headers": headers})
    return hops


def generate_scenario(seed: int, index: int) -> Scenario:
    """Scenario `index` of the batch `seed` (placeholders unfilled)."""
    rng = random.Random(f"crossorigin-oracle:{seed}:{index}")
    page_origin = PAGE if rng.random() < 0.85 else PAGE_LOCALHOST
    target = _pick_weighted(rng, [(API, 70), (API_LOCALHOST, 15), (page_origin, 10), (OTHER, 5)])
    url = f"{target}/{{sid}}/r" + ("?q=1" if rng.random() < 0.1 else "")
    if rng.random() < 0.1:
        url = hostile_request_url(rng, target)
    method = _pick_weighted(rng, _METHODS)
    headers = _request_headers(rng)
    credentials = _pick_weighted(rng, [("omit", 25), ("same-origin", 45), ("include", 30)])
    mode = _pick_weighted(rng, [("cors", 88), ("no-cors", 9), ("same-origin", 3)])

    needs_acac = credentials == "include"
    wildcard_ok = not needs_acac
    sent_method, unsafe_names = _browser_view(method, headers)

    preflight_status = _pick_weighted(
        rng, [(204, 50), (200, 35), (299, 3), (302, 3), (404, 3), (500, 3), (301, 3)]
    )
    preflight_headers = _allow_origin_lines(rng, page_origin, wildcard_ok)
    preflight_headers += _allow_credentials_lines(rng, needs_acac)
    preflight_headers += _allow_methods_lines(rng, sent_method, wildcard_ok)
    preflight_headers += _allow_headers_lines(rng, unsafe_names, wildcard_ok)
    preflight_headers += _max_age_lines(rng)
    if preflight_status in (301, 302) and rng.random() < 0.7:
        preflight_headers.append(["Location", f"{API}/{{sid}}/elsewhere"])

    final_headers = _allow_origin_lines(rng, page_origin, wildcard_ok)
    final_headers += _allow_credentials_lines(rng, needs_acac)
    final_headers += _expose_lines(rng, wildcard_ok)
    final_headers += _resource_lines(rng)
    final = {
        "status": _pick_weighted(rng, [(200, 80), (201, 5), (204, 5), (404, 5), (500, 5)]),
        "headers": final_headers,
    }
    actual: Scenario | list[Scenario] = final
    if rng.random() < 0.15:
        actual = [*_redirect_hops(rng, url, page_origin, wildcard_ok, needs_acac), final]

    read = rng.sample(_READABLE_CANDIDATES, rng.choice([0, 1, 2, 3]))
    return {
        "page_origin": page_origin,
        "request": {
            "url": url,
            "method": method,
            "headers": headers,
            "credentials": credentials,
            "mode": mode,
        },
        "responses": {
            "preflight": {"status": preflight_status, "headers": preflight_headers},
            "actual": actual,
        },
        "read_headers": read,
    }


def generate(seed: int, count: int) -> list[Entry]:
    return [
        {"name": f"random-{seed}-{index}", "scenario": generate_scenario(seed, index)}
        for index in range(count)
    ]


# --- Hand-written edge cases (Chromium's documented behaviours) ------------------------------


def _scenario(
    *,
    method: str = "GET",
    headers: list[list[str]] | None = None,
    credentials: str = "same-origin",
    mode: str = "cors",
    page_origin: str = PAGE,
    target: str = API,
    preflight: Scenario | None = None,
    actual: Scenario | list[Scenario] | None = None,
    read: list[str] | None = None,
) -> Scenario:
    return {
        "page_origin": page_origin,
        "request": {
            "url": f"{target}/{{sid}}/r",
            "method": method,
            "headers": headers or [],
            "credentials": credentials,
            "mode": mode,
        },
        "responses": {
            "preflight": preflight or {"status": 204, "headers": []},
            "actual": actual or {"status": 200, "headers": []},
        },
        "read_headers": read or [],
    }


def _answer(status: int = 200, **headers: str | list[str]) -> Scenario:
    """A response; keyword names use `_` for `-` (ACAO= is Access-Control-Allow-Origin)."""
    short = {
        "ACAO": "Access-Control-Allow-Origin",
        "ACAC": "Access-Control-Allow-Credentials",
        "ACAM": "Access-Control-Allow-Methods",
        "ACAH": "Access-Control-Allow-Headers",
        "ACMA": "Access-Control-Max-Age",
        "ACEH": "Access-Control-Expose-Headers",
    }
    lines: list[list[str]] = []
    for key, value in headers.items():
        name = short.get(key, key.replace("_", "-"))
        for item in value if isinstance(value, list) else [value]:
            lines.append([name, item])
    return {"status": status, "headers": lines}


def edge_cases() -> list[Entry]:
    """Chromium's documented behaviours, one scenario each (names say which)."""
    cases: dict[str, Scenario] = {}
    put_json = {"method": "PUT", "headers": [["Content-Type", "application/json"]]}
    good_preflight = _answer(204, ACAO=PAGE, ACAM="PUT", ACAH="content-type")

    for label, value in [
        ("exact", PAGE),
        ("trailing-slash", PAGE + "/"),
        ("upper-case", _upper_case(PAGE)),
        ("upper-case-localhost", _upper_case(PAGE_LOCALHOST)),
        ("null", "null"),
        ("padded-wildcard", " * "),
        ("padded-origin", f" {PAGE} "),
        ("comma-list", f"{PAGE}, {PAGE}"),
        ("space-inside", "http://a b"),
        ("localhost-for-127", PAGE_LOCALHOST),
        ("empty", ""),
        ("wildcard", "*"),
    ]:
        cases[f"acao-{label}"] = _scenario(
            actual=_answer(ACAO=value, X_Total="1"), read=["X-Total"]
        )
    cases["acao-duplicated-header"] = _scenario(actual=_answer(ACAO=[PAGE, PAGE]))
    cases["acao-missing"] = _scenario(actual=_answer())
    cases["acao-wildcard-with-credentials"] = _scenario(
        credentials="include", actual=_answer(ACAO="*", ACAC="true")
    )
    for label, value in [
        ("true", "true"),
        ("True", "True"),
        ("false", "false"),
        ("padded", " true "),
    ]:
        cases[f"acac-{label}"] = _scenario(
            credentials="include", actual=_answer(ACAO=PAGE, ACAC=value)
        )
    cases["acac-missing-with-credentials"] = _scenario(
        credentials="include", actual=_answer(ACAO=PAGE)
    )
    cases["acac-not-needed-without-credentials"] = _scenario(
        credentials="omit", actual=_answer(ACAO=PAGE, ACAC="false")
    )

    for status in (200, 204, 299, 404, 500):
        cases[f"preflight-status-{status}"] = _scenario(
            **put_json,
            preflight=_answer(status, ACAO=PAGE, ACAM="PUT", ACAH="content-type"),
            actual=_answer(ACAO=PAGE),
        )
    cases["preflight-302-without-location"] = _scenario(
        **put_json, preflight=_answer(302, ACAO=PAGE, ACAM="PUT", ACAH="content-type")
    )
    cases["preflight-302-with-location"] = _scenario(
        **put_json,
        preflight=_answer(
            302, ACAO=PAGE, ACAM="PUT", ACAH="content-type", Location=f"{API}/{{sid}}/moved"
        ),
    )
    for label, acao in [("missing", None), ("mismatch", PAGE + "/"), ("wildcard-credentials", "*")]:
        fields: dict[str, str] = {"ACAM": "PUT", "ACAH": "content-type"}
        if acao is not None:
            fields["ACAO"] = acao
        cases[f"preflight-acao-{label}"] = _scenario(
            **put_json,
            credentials="include",
            preflight=_answer(204, ACAC="true", **fields),
            actual=_answer(ACAO=PAGE, ACAC="true"),
        )
    cases["preflight-acac-True"] = _scenario(
        **put_json,
        credentials="include",
        preflight=_answer(204, ACAO=PAGE, ACAC="True", ACAM="PUT", ACAH="content-type"),
    )

    for label, method, acam in [
        ("PATCH-allowed", "PATCH", "PATCH"),
        ("patch-vs-PATCH", "patch", "PATCH"),
        ("patch-lower-allowed", "patch", "patch"),
        ("delete-normalized", "delete", "DELETE"),
        ("put-lowercase-acam", "PUT", "put"),
        ("padded-list", "PUT", " PUT , GET "),
        ("semicolon-parse-error", "PUT", "PUT;"),
        ("wildcard", "DELETE", "*"),
        ("wildcard-with-credentials", "DELETE", "*"),
        ("missing", "DELETE", ""),
        ("custom-token", "FOO", "FOO"),
    ]:
        credentials = "include" if "credentials" in label else "same-origin"
        extra = {"ACAC": "true"} if credentials == "include" else {}
        cases[f"acam-{label}"] = _scenario(
            method=method,
            credentials=credentials,
            preflight=_answer(204, ACAO=PAGE, ACAM=acam, **extra),
            actual=_answer(ACAO=PAGE, **extra),
        )

    for label, headers, acah, credentials in [
        ("case-insensitive", [["X-Custom", "1"]], "X-CUSTOM", "same-origin"),
        (
            "padded-list",
            [["X-Custom", "1"], ["X-Other", "2"]],
            " x-other ,x-custom ",
            "same-origin",
        ),
        ("space-parse-error", [["X-Custom", "1"]], "x foo", "same-origin"),
        ("missing-one", [["X-Custom", "1"], ["X-Other", "2"]], "x-custom", "same-origin"),
        ("wildcard", [["X-Custom", "1"]], "*", "same-origin"),
        ("wildcard-with-credentials", [["X-Custom", "1"]], "*", "include"),
        ("authorization-wildcard", [["Authorization", "Bearer t"]], "*", "same-origin"),
        ("authorization-wildcard-credentials", [["Authorization", "Bearer t"]], "*", "include"),
        ("authorization-listed", [["Authorization", "Bearer t"]], "authorization", "same-origin"),
    ]:
        extra = {"ACAC": "true"} if credentials == "include" else {}
        cases[f"acah-{label}"] = _scenario(
            headers=headers,
            credentials=credentials,
            preflight=_answer(204, ACAO=PAGE, ACAH=acah, **extra),
            actual=_answer(ACAO=PAGE, **extra),
        )

    for label, header in [
        ("content-type-141-bytes", ["Content-Type", "text/plain; a=" + "x" * 127]),
        ("content-type-128-bytes", ["Content-Type", "text/plain; a=" + "x" * 114]),
        ("content-type-json", ["Content-Type", "application/json"]),
        ("accept-language-paren", ["Accept-Language", "en("]),
        ("accept-language-plain", ["Accept-Language", "en-US,en;q=0.5"]),
        ("range-simple", ["Range", "bytes=0-1"]),
        ("range-suffix", ["Range", "bytes=-5"]),
        ("range-multiple", ["Range", "bytes=0-1,3-4"]),
        ("accept-quote", ["Accept", 'a"b']),
        ("content-language-underscore", ["Content-Language", "de_DE"]),
    ]:
        cases[f"safelist-{label}"] = _scenario(
            headers=[header], preflight=_answer(204), actual=_answer(ACAO=PAGE)
        )

    cases["redirect-cross-origin-taints-null-acao-null"] = _scenario(
        actual=[_answer(302, ACAO=PAGE, Location=f"{OTHER}/{{sid}}/next"), _answer(ACAO="null")]
    )
    cases["redirect-cross-origin-taints-null-acao-page"] = _scenario(
        actual=[_answer(302, ACAO=PAGE, Location=f"{OTHER}/{{sid}}/next"), _answer(ACAO=PAGE)]
    )
    cases["redirect-cross-origin-wildcard"] = _scenario(
        actual=[_answer(307, ACAO="*", Location=f"{OTHER}/{{sid}}/next"), _answer(ACAO="*")]
    )
    cases["redirect-hop-without-acao"] = _scenario(
        actual=[_answer(302, Location=f"{OTHER}/{{sid}}/next"), _answer(ACAO="*")]
    )
    cases["redirect-same-origin-hop"] = _scenario(
        actual=[_answer(301, ACAO=PAGE, Location=f"{API}/{{sid}}/next"), _answer(ACAO=PAGE)]
    )
    cases["redirect-to-page-origin"] = _scenario(
        actual=[_answer(302, ACAO=PAGE, Location=f"{PAGE}/{{sid}}/next"), _answer()]
    )
    cases["redirect-with-userinfo"] = _scenario(
        actual=[
            _answer(302, ACAO=PAGE, Location="http://u:p@127.0.0.1:{api_port}/{sid}/x"),
            _answer(ACAO=PAGE),
        ]
    )
    cases["redirect-preflighted-put-307"] = _scenario(
        **put_json,
        preflight=good_preflight,
        actual=[_answer(307, ACAO=PAGE, Location=f"{OTHER}/{{sid}}/next"), _answer(ACAO="null")],
    )
    cases["redirect-303-put-becomes-get"] = _scenario(
        **put_json,
        preflight=good_preflight,
        actual=[_answer(303, ACAO=PAGE, Location=f"{API}/{{sid}}/next"), _answer(ACAO=PAGE)],
    )

    cases["same-origin-get-no-cors-headers"] = _scenario(
        target=PAGE, actual=_answer(X_Total="1"), read=["X-Total"]
    )
    cases["same-origin-put-no-preflight"] = _scenario(target=PAGE, **put_json)
    cases["mode-same-origin-cross-origin"] = _scenario(
        mode="same-origin", actual=_answer(ACAO=PAGE)
    )
    cases["mode-no-cors-get-opaque"] = _scenario(
        mode="no-cors", actual=_answer(X_Total="1"), read=["X-Total"]
    )
    cases["mode-no-cors-put-throws"] = _scenario(mode="no-cors", method="PUT")
    cases["mode-no-cors-custom-header"] = _scenario(
        mode="no-cors", headers=[["X-Custom", "1"]], actual=_answer()
    )
    cases["cross-site-localhost-to-127"] = _scenario(
        page_origin=PAGE_LOCALHOST, actual=_answer(ACAO=PAGE_LOCALHOST)
    )
    cases["cross-site-localhost-acao-127"] = _scenario(
        page_origin=PAGE_LOCALHOST, actual=_answer(ACAO=PAGE)
    )

    for label, aceh, read in [
        ("listed", "X-Total", ["X-Total"]),
        ("case", "x-TOTAL", ["X-Total"]),
        ("wildcard", "*", ["X-Total", "X-Other"]),
        ("padded-list", " x-total , x-other ", ["X-Total", "X-Other"]),
        ("not-listed", "X-Other", ["X-Total"]),
        ("set-cookie-never", "Set-Cookie", ["Set-Cookie"]),
        ("safelisted-without-list", None, ["Content-Type", "Cache-Control"]),
    ]:
        fields = {
            "ACAO": PAGE,
            "X_Total": "42",
            "X_Other": "o",
            "Content-Type": "text/plain",
            "Cache-Control": "no-store",
            "Set-Cookie": "k=v",
        }
        if aceh is not None:
            fields["ACEH"] = aceh
        cases[f"expose-{label}"] = _scenario(actual=_answer(**fields), read=read)
    cases["expose-wildcard-with-credentials"] = _scenario(
        credentials="include",
        actual=_answer(ACAO=PAGE, ACAC="true", ACEH="*", X_Total="42"),
        read=["X-Total"],
    )

    # Found by browser-diff (see tests/oracles/browsers/README.md).
    cases["duplicate-content-type-combined"] = _scenario(
        headers=[["Content-Type", "text/plain;a=1"], ["content-type", "de"]],
        actual=_answer(ACAO=PAGE),
    )
    cases["duplicate-content-type-unsafe"] = _scenario(
        headers=[["Content-Type", "text/plain"], ["Content-Type", "text/plain"]],
        actual=_answer(ACAO=PAGE),
    )
    cases["duplicate-range-unsafe"] = _scenario(
        headers=[["Range", "bytes=0-1"], ["Range", "bytes=0-1"]], actual=_answer(ACAO=PAGE)
    )
    cases["mode-no-cors-redirect-with-userinfo"] = _scenario(
        mode="no-cors",
        actual=[_answer(301, Location="http://u:p@127.0.0.1:{api_port}/{sid}/next"), _answer()],
    )
    cases["redirect-cross-origin-drops-authorization"] = _scenario(
        headers=[["Authorization", "Bearer t"]],
        preflight=_answer(204, ACAO=PAGE, ACAH="authorization"),
        actual=[_answer(307, ACAO=PAGE, Location=f"{OTHER}/{{sid}}/next"), _answer(ACAO="*")],
    )
    cases["mode-same-origin-redirect-cross-origin"] = _scenario(
        target=PAGE,
        mode="same-origin",
        actual=[_answer(302, Location=f"{API}/{{sid}}/next"), _answer(ACAO=PAGE)],
    )
    # Measured while fixing the above: userinfo in a redirect fails silently
    # whenever the CORS rule does not apply, and Blink's mode check comes first.
    cases["redirect-same-origin-userinfo-silent"] = _scenario(
        target=PAGE,
        actual=[_answer(302, Location="http://u@127.0.0.1:{page_port}/{sid}/next"), _answer()],
    )
    cases["mode-same-origin-redirect-to-userinfo"] = _scenario(
        target=PAGE,
        mode="same-origin",
        actual=[
            _answer(302, Location="http://u:p@127.0.0.1:{other_port}/{sid}/next"),
            _answer(ACAO=PAGE),
        ],
    )
    cases["redirect-same-origin-keeps-authorization"] = _scenario(
        headers=[["Authorization", "Bearer t"]],
        preflight=_answer(204, ACAO=PAGE, ACAH="authorization"),
        actual=[_answer(307, ACAO=PAGE, Location=f"{API}/{{sid}}/next"), _answer(ACAO=PAGE)],
    )
    cases["acah-several-refused-hash-order"] = _scenario(
        headers=[["X-A", "1"], ["X-B", "1"], ["X-C", "1"]],
        preflight=_answer(204, ACAO=PAGE, ACAH=""),
    )

    entries: list[Entry] = [{"name": name, "scenario": s} for name, s in cases.items()]
    entries += _cache_sequences()
    return entries


def _cache_sequences() -> list[Entry]:
    """Multi-step entries sharing one URL: the preflight cache under test."""
    put = {"method": "PUT", "headers": [["X-Custom", "1"]]}
    allowed = _answer(ACAO=PAGE)

    def preflight(**extra: str) -> Scenario:
        return _answer(204, ACAO=PAGE, ACAM="PUT", ACAH="x-custom", **extra)

    refusing = _answer(204)
    sequences: dict[str, list[Scenario]] = {
        "cache-max-age-600": [
            _scenario(**put, preflight=preflight(ACMA="600"), actual=allowed),
            _scenario(**put, preflight=refusing, actual=allowed),
        ],
        "cache-default-5-seconds": [
            _scenario(**put, preflight=preflight(), actual=allowed),
            _scenario(**put, preflight=refusing, actual=allowed),
        ],
        "cache-max-age-0": [
            _scenario(**put, preflight=preflight(ACMA="0"), actual=allowed),
            _scenario(**put, preflight=refusing, actual=allowed),
        ],
        "cache-max-age-negative": [
            _scenario(**put, preflight=preflight(ACMA="-1"), actual=allowed),
            _scenario(**put, preflight=refusing, actual=allowed),
        ],
        "cache-other-method": [
            _scenario(**put, preflight=preflight(ACMA="600"), actual=allowed),
            _scenario(
                method="DELETE", headers=[["X-Custom", "1"]], preflight=refusing, actual=allowed
            ),
        ],
        "cache-other-header": [
            _scenario(**put, preflight=preflight(ACMA="600"), actual=allowed),
            _scenario(
                method="PUT", headers=[["X-Second", "1"]], preflight=refusing, actual=allowed
            ),
        ],
        "cache-credentials-upgrade": [
            _scenario(**put, preflight=preflight(ACMA="600"), actual=allowed),
            _scenario(
                **put,
                credentials="include",
                preflight=refusing,
                actual=_answer(ACAO=PAGE, ACAC="true"),
            ),
        ],
        "cache-wildcard-methods": [
            _scenario(
                **put,
                preflight=_answer(204, ACAO=PAGE, ACAM="*", ACAH="*", ACMA="600"),
                actual=allowed,
            ),
            _scenario(
                method="DELETE", headers=[["X-Other", "1"]], preflight=refusing, actual=allowed
            ),
        ],
    }
    return [{"name": name, "steps": steps} for name, steps in sequences.items()]


def build_corpus() -> list[Entry]:
    return edge_cases() + generate(CORPUS_SEED, CORPUS_RANDOM_COUNT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=CORPUS_PATH)
    arguments = parser.parse_args()
    corpus = build_corpus()
    arguments.output.write_text(json.dumps(corpus, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(corpus)} entries to {arguments.output}")


if __name__ == "__main__":
    main()
