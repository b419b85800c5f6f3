"""Two layers answering CORS on one response (double_layer.py): the shapes
seen in practice, folded or repeated, with and without layer hints."""

from __future__ import annotations

from typing import Any

import pytest

from crossorigin.double_layer import detect_double_layer, layers_named

CASES = [
    # (response header lines, code or None, probable sources)
    ([("Access-Control-Allow-Origin", "https://app.example.com")], None, None),
    ([], None, None),
    (
        [
            ("Access-Control-Allow-Origin", "https://app.example.com"),
            ("Access-Control-Allow-Origin", "https://app.example.com"),
        ],
        "duplicate-allow-origin",
        (None, None),
    ),
    (
        [
            ("Server", "nginx/1.26"),
            ("X-Powered-By", "Express"),
            ("Access-Control-Allow-Origin", "https://app.example.com"),
            ("Access-Control-Allow-Origin", "*"),
        ],
        "conflicting-allow-origin",
        ("the application", "server: nginx/1.26"),
    ),
    (
        # Folded by HTTP/2 or an intermediary into one line.
        [("access-control-allow-origin", "*, https://app.example.com"), ("cf-ray", "8a-LHR")],
        "conflicting-allow-origin",
        ("the application", "Cloudflare"),
    ),
    (
        [
            (b"access-control-allow-origin", b"https://app.example.com"),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-allow-credentials", b"true"),
            (b"x-amz-request-id", b"ABC"),
        ],
        "duplicate-allow-credentials",
        ("the application", "AWS (S3 or API Gateway)"),
    ),
]


@pytest.mark.parametrize(("headers", "code", "sources"), CASES)
def test_detect_double_layer(
    headers: list[tuple[Any, Any]], code: str | None, sources: tuple[str | None, ...] | None
) -> None:
    finding = detect_double_layer(headers)
    if code is None:
        assert finding is None
        return
    assert finding is not None
    assert finding.code == code
    assert finding.probable_sources == sources
    assert "one layer" in finding.message
    assert len(finding.values) >= 2


def test_application_framework_is_not_taken_for_the_front_layer() -> None:
    finding = detect_double_layer(
        [
            ("X-Powered-By", "Express"),
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Origin", "*"),
        ]
    )
    assert finding is not None and finding.probable_sources == (None, None)


def test_layers_named_in_order_without_repeats() -> None:
    headers = [("Via", "1.1 varnish"), ("cf-ray", "1"), ("CF-RAY", "2"), ("Server", "cloudflare")]
    assert layers_named(headers) == ("via: 1.1 varnish", "Cloudflare", "server: cloudflare")
