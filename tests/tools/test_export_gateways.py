"""The declarative exports (gateway-api, ingress-nginx, envoy, traefik, s3,
apigateway-http, apigateway-rest, gcs, azure-blob), whose engines cannot run
here, checked three ways:

1. Against the target's published schema or service model where a package
   ships one: botocore's service models (S3 PutBucketCors, API Gateway v2
   UpdateApi's Cors, API Gateway's PutIntegration/PutIntegrationResponse/
   PutMethodResponse/PutGatewayResponse), Envoy's data-plane API
   (envoy-data-plane's CorsPolicy), Azure Storage's generated models
   (azure-storage-blob's StorageServiceProperties/CorsRule). Where no package
   ships one (Gateway API, ingress-nginx, Traefik, Cloud Storage), against the
   constraints their documentation publishes, written below as facts.
2. Never more than the policy: each target's origin matching, modelled from
   its documentation, allows no browser origin the engine refuses.
3. Configuration injection: hostile tokens and file names come back from the
   parsed output as written, adding no key, element or directive.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from crossorigin import Engine, Origin, Policy
from crossorigin.export import FORMATS, ExportError, ExportPlan, render, render_parts
from servers.parity import ORIGINS, POLICIES


def require(module: str) -> Any:
    """Import a schema package of the dev extra: a visible skip outside CI,
    a failure under CI (where `make test` installs the dev extra)."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


yaml = require("yaml")

DECLARATIVE = (
    "gateway-api",
    "ingress-nginx",
    "envoy",
    "traefik",
    "s3",
    "apigateway-http",
    "apigateway-rest",
    "gcs",
    "azure-blob",
)

#: The parity policies plus shapes the declarative targets treat apart.
EXTRA_POLICIES: dict[str, dict[str, Any]] = {
    "one-origin": {"origins": ["https://app.example.com"], "request_headers": ["content-type"]},
    "subdomains-only": {"origins": ["https://*.example.com"], "request_headers": ["x-a"]},
    "listed-headers-credentials": {
        "origins": ["https://app.example.com", "https://*.example.com"],
        "methods": ["GET", "PUT", "DELETE"],
        "request_headers": ["authorization", "content-type"],
        "expose_headers": ["x-total"],
        "credentials": True,
        "max_age": 0,
    },
}
ALL_POLICIES = {**POLICIES, **EXTRA_POLICIES}


def parts(name: str, format_name: str, source: str = "policy.toml") -> dict[str, str] | None:
    try:
        return render_parts(
            ExportPlan.from_policy(Policy(**ALL_POLICIES[name]), source), format_name
        )
    except ExportError:
        return None


def main_part(texts: dict[str, str]) -> str:
    return next(iter(texts.values()))


# -- published schemas and service models -----------------------------------------------


def _botocore_check(operation: tuple[str, str], params: dict[str, Any]) -> None:
    botocore_session = require("botocore.session")
    from botocore.validate import ParamValidator

    service, name = operation
    model = botocore_session.get_session().get_service_model(service)
    shape = model.operation_model(name).input_shape
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()
    _check_ranges(params, shape)


def _check_ranges(value: Any, shape: Any) -> None:
    """botocore's validator checks minimums; the models' maximums too."""
    maximum = shape.metadata.get("max")
    if maximum is not None:
        size = value if isinstance(value, int) else len(value)
        assert size <= maximum, f"{shape.name}: {size} > {maximum}"
    if shape.type_name == "structure":
        for key, item in value.items():
            _check_ranges(item, shape.members[key])
    elif shape.type_name == "list":
        for item in value:
            _check_ranges(item, shape.member)


def check_s3(texts: dict[str, str]) -> None:
    configuration = json.loads(texts["s3-cors.json"])
    _botocore_check(
        ("s3", "PutBucketCors"), {"Bucket": "bucket", "CORSConfiguration": configuration}
    )
    for rule in configuration["CORSRules"]:
        # S3's documented limits: one '*' per AllowedOrigin; these methods only.
        assert all(origin.count("*") <= 1 for origin in rule["AllowedOrigins"])
        assert set(rule["AllowedMethods"]) <= {"GET", "PUT", "POST", "DELETE", "HEAD"}


def check_apigateway_http(texts: dict[str, str]) -> None:
    cors = yaml.safe_load(main_part(texts))["x-amazon-apigateway-cors"]
    # The OpenAPI extension's names are the Cors shape's, in lower camel case.
    capitalized = {key[0].upper() + key[1:]: value for key, value in cors.items()}
    _botocore_check(
        ("apigatewayv2", "UpdateApi"), {"ApiId": "api", "CorsConfiguration": capitalized}
    )


def check_apigateway_rest(texts: dict[str, str]) -> None:
    document = yaml.safe_load(main_part(texts))
    options = document["paths"]["/{proxy+}"]["options"]
    integration = options["x-amazon-apigateway-integration"]
    ids = {"restApiId": "api", "resourceId": "resource", "httpMethod": "OPTIONS"}
    _botocore_check(
        ("apigateway", "PutIntegration"),
        {
            **ids,
            "type": integration["type"].upper(),
            "requestTemplates": integration["requestTemplates"],
        },
    )
    response = integration["responses"]["default"]
    _botocore_check(
        ("apigateway", "PutIntegrationResponse"),
        {
            **ids,
            "statusCode": response["statusCode"],
            "responseParameters": response["responseParameters"],
        },
    )
    declared = {
        f"method.response.header.{name}": False for name in options["responses"]["204"]["headers"]
    }
    _botocore_check(
        ("apigateway", "PutMethodResponse"),
        {**ids, "statusCode": "204", "responseParameters": declared},
    )
    assert set(response["responseParameters"]) == set(declared)
    for response_type, gateway in document["x-amazon-apigateway-gateway-responses"].items():
        _botocore_check(
            ("apigateway", "PutGatewayResponse"),
            {"restApiId": "api", "responseType": response_type, **gateway},
        )
    for value in response["responseParameters"].values():
        # A static value: single-quoted, no quote inside.
        assert re.fullmatch(r"'[^']*'", value), value


def check_envoy(texts: dict[str, str]) -> None:
    cors_module = require("envoy_data_plane.envoy.extensions.filters.http.cors.v3")
    envoy, istio = yaml.safe_load_all(main_part(texts))
    config = dict(envoy["typed_per_filter_config"]["envoy.filters.http.cors"])
    assert config.pop("@type").endswith("envoy.extensions.filters.http.cors.v3.CorsPolicy")
    cors_module.CorsPolicy.from_dict(config)  # unknown fields and wrong types raise
    for matcher in config["allow_origin_string_match"]:
        if "safe_regex" in matcher:
            re.compile(matcher["safe_regex"]["regex"])
    # Istio's CorsPolicy (networking.istio.io/v1 VirtualService): these fields only.
    assert set(istio["corsPolicy"]) <= {
        "allowOrigins",
        "allowMethods",
        "allowHeaders",
        "exposeHeaders",
        "maxAge",
        "allowCredentials",
    }
    for matcher in istio["corsPolicy"]["allowOrigins"]:
        assert set(matcher) <= {"exact", "prefix", "regex"} and len(matcher) == 1


def check_azure_blob(texts: dict[str, str]) -> None:
    models = require("azure.storage.blob._generated.models")
    from azure.storage.blob._generated._utils.serialization import Deserializer

    classes = {name: value for name, value in vars(models).items() if isinstance(value, type)}
    tree = ET.fromstring(main_part(texts))
    properties = Deserializer(classes)("StorageServiceProperties", tree)
    (rule,) = properties.cors
    # The SDK's model: element names, types, required members and bounds.
    element_names = {spec["key"] for spec in rule._attribute_map.values()}
    assert {child.tag for child in tree.find("Cors/CorsRule")} == element_names  # type: ignore[union-attr]
    for attribute, constraints in rule._validation.items():
        value = getattr(rule, attribute)
        if constraints.get("required"):
            assert value is not None, attribute
        if "minimum" in constraints:
            assert value >= constraints["minimum"], attribute
    # Azure's documented limits: 64 origins, 256 characters each; methods from this set.
    origins = rule.allowed_origins.split(",")
    assert len(origins) <= 64 and all(len(origin) <= 256 for origin in origins)
    assert set(rule.allowed_methods.split(",")) <= {
        "DELETE",
        "GET",
        "HEAD",
        "MERGE",
        "POST",
        "OPTIONS",
        "PUT",
        "PATCH",
    }


# Documented constraints, written as facts (no package ships these schemas).

#: Gateway API HTTPCORSFilter (the API's Go types and their kubebuilder markers).
_GATEWAY_ORIGIN = re.compile(r"\*|https?://(\*\.)?[a-z0-9.-]+(:[0-9]{1,5})?")
_GATEWAY_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}


def check_gateway_api(texts: dict[str, str]) -> None:
    route = yaml.safe_load(main_part(texts))
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1" and route["kind"] == "HTTPRoute"
    (rule,) = route["spec"]["rules"]
    (cors_filter,) = rule["filters"]
    assert cors_filter["type"] == "CORS"
    cors = cors_filter["cors"]
    assert set(cors) <= {
        "allowOrigins",
        "allowCredentials",
        "allowMethods",
        "allowHeaders",
        "exposeHeaders",
        "maxAge",
    }
    origins, methods = cors["allowOrigins"], cors["allowMethods"]
    assert 1 <= len(origins) <= 64 and all(_GATEWAY_ORIGIN.fullmatch(o) for o in origins)
    assert "*" not in origins or len(origins) == 1
    assert len(methods) <= 9 and ("*" not in methods or len(methods) == 1)
    assert set(methods) <= _GATEWAY_METHODS | {"*"}
    for key in ("allowHeaders", "exposeHeaders"):
        assert len(cors.get(key, [])) <= 64
    assert cors.get("maxAge", 5) >= 1
    assert isinstance(cors.get("allowCredentials", False), bool)


#: ingress-nginx's annotation validation (its CORS annotation parser): values
#: outside these are replaced by the controller's defaults.
_INGRESS_RULES = {
    "cors-allow-origin": re.compile(
        r"\*|(https?://(\*\.)?[A-Za-z0-9\-.]*(:\d+)?)(, (https?://(\*\.)?[A-Za-z0-9\-.]*(:\d+)?))*"
    ),
    "cors-allow-methods": re.compile(r"([A-Za-z]+,?\s?)+"),
    "cors-allow-headers": re.compile(r"([A-Za-z0-9\-_]+,?\s?)+"),
    "cors-expose-headers": re.compile(r"(([A-Za-z0-9\-_]+|\*),?\s?)+"),
    "cors-allow-credentials": re.compile(r"true|false"),
    "cors-max-age": re.compile(r"[0-9]+"),
    "enable-cors": re.compile(r"true"),
}


def check_ingress_nginx(texts: dict[str, str]) -> None:
    annotations = yaml.safe_load(main_part(texts))["metadata"]["annotations"]
    for key, value in annotations.items():
        name = key.removeprefix("nginx.ingress.kubernetes.io/")
        assert isinstance(value, str), key
        assert _INGRESS_RULES[name].fullmatch(value), (key, value)
    # Defaults that differ from a policy's are always written.
    assert {"cors-allow-credentials", "cors-max-age", "cors-allow-headers"} <= {
        k.removeprefix("nginx.ingress.kubernetes.io/") for k in annotations
    }


#: Traefik's headers middleware (dynamic configuration reference).
_TRAEFIK_FIELDS: dict[str, type] = {
    "accessControlAllowOriginList": list,
    "accessControlAllowOriginListRegex": list,
    "accessControlAllowMethods": list,
    "accessControlAllowHeaders": list,
    "accessControlExposeHeaders": list,
    "accessControlMaxAge": int,
    "accessControlAllowCredentials": bool,
    "addVaryHeader": bool,
}


def check_traefik(texts: dict[str, str]) -> None:
    middlewares = yaml.safe_load(main_part(texts))["http"]["middlewares"]
    (middleware,) = middlewares.values()
    headers = middleware["headers"]
    for key, value in headers.items():
        assert isinstance(value, _TRAEFIK_FIELDS[key]), key
        if isinstance(value, list):
            assert all(isinstance(item, str) for item in value)
    for regex in headers.get("accessControlAllowOriginListRegex", []):
        re.compile(regex)


#: Cloud Storage's bucket resource, `cors[]` (JSON API reference).
_GCS_FIELDS: dict[str, type] = {
    "origin": list,
    "method": list,
    "responseHeader": list,
    "maxAgeSeconds": int,
}


def check_gcs(texts: dict[str, str]) -> None:
    entries = json.loads(texts["gcs-cors.json"])
    assert isinstance(entries, list) and entries
    for entry in entries:
        for key, value in entry.items():
            assert isinstance(value, _GCS_FIELDS[key]), key
        assert all("*" not in origin or origin == "*" for origin in entry["origin"])


CHECKS: dict[str, Callable[[dict[str, str]], None]] = {
    "gateway-api": check_gateway_api,
    "ingress-nginx": check_ingress_nginx,
    "envoy": check_envoy,
    "traefik": check_traefik,
    "s3": check_s3,
    "apigateway-http": check_apigateway_http,
    "apigateway-rest": check_apigateway_rest,
    "gcs": check_gcs,
    "azure-blob": check_azure_blob,
}


#: (policy, format) for every pair the target takes (the others are refused:
#: test_refusals says why, one case per reason).
EXPORTED = [
    (name, format_name)
    for format_name in DECLARATIVE
    for name in sorted(ALL_POLICIES)
    if parts(name, format_name) is not None
]


def test_every_declarative_format_has_a_check() -> None:
    assert set(CHECKS) == set(DECLARATIVE)
    assert set(DECLARATIVE) | {"nginx", "caddy", "apache", "express", "cloudflare-worker"} == set(
        FORMATS
    )


@pytest.mark.parametrize(("name", "format_name"), EXPORTED)
def test_output_fits_the_published_schema(name: str, format_name: str) -> None:
    texts = parts(name, format_name)
    assert texts is not None
    CHECKS[format_name](texts)


def test_most_policies_export_to_each_target() -> None:
    """The refusals stay the exception: every target takes most of the table."""
    for format_name in DECLARATIVE:
        exported = [name for name in ALL_POLICIES if parts(name, format_name) is not None]
        assert len(exported) >= 4, (format_name, exported)


# -- never more than the policy ------------------------------------------------------------


def _glob(pattern: str, *, star: str = ".*", flags: int = 0) -> re.Pattern[str]:
    return re.compile(".*" if pattern == "*" else re.escape(pattern).replace(r"\*", star), flags)


def allowed_origins_model(format_name: str, texts: dict[str, str]) -> Callable[[str], bool]:
    """Which Origin values the target allows, from its documented matching."""
    text = main_part(texts)
    if format_name == "s3":
        (rule,) = json.loads(texts["s3-cors.json"])["CORSRules"]
        globs = [_glob(o) for o in rule["AllowedOrigins"]]
    elif format_name == "gcs":
        (entry,) = json.loads(texts["gcs-cors.json"])
        globs = [_glob(o, star="(?!)") for o in entry["origin"]]
    elif format_name == "gateway-api":
        cors = yaml.safe_load(text)["spec"]["rules"][0]["filters"][0]["cors"]
        globs = [_glob(o) for o in cors["allowOrigins"]]
    elif format_name == "ingress-nginx":
        annotations = yaml.safe_load(text)["metadata"]["annotations"]
        listed = annotations["nginx.ingress.kubernetes.io/cors-allow-origin"].split(", ")
        globs = [_glob(o, star="[A-Za-z0-9-]+", flags=re.IGNORECASE) for o in listed]
    elif format_name == "apigateway-http":
        listed = yaml.safe_load(text)["x-amazon-apigateway-cors"]["allowOrigins"]
        globs = [_glob(o, star="(?!)") for o in listed]
    elif format_name == "apigateway-rest":
        responses = yaml.safe_load(text)["paths"]["/{proxy+}"]["options"]
        value = responses["x-amazon-apigateway-integration"]["responses"]["default"]
        origin = value["responseParameters"]["method.response.header.Access-Control-Allow-Origin"]
        globs = [_glob(origin.strip("'"), star="(?!)")]
    elif format_name == "azure-blob":
        listed = ET.fromstring(text).findtext("Cors/CorsRule/AllowedOrigins") or ""
        globs = [_glob(o, star="(?!)") for o in listed.split(",")]
    elif format_name == "traefik":
        (middleware,) = yaml.safe_load(text)["http"]["middlewares"].values()
        headers = middleware["headers"]
        exact = headers.get("accessControlAllowOriginList", [])
        regexes = [re.compile(r) for r in headers.get("accessControlAllowOriginListRegex", [])]
        return lambda o: "*" in exact or o in exact or any(r.search(o) for r in regexes)
    else:
        envoy, _ = yaml.safe_load_all(text)
        config = envoy["typed_per_filter_config"]["envoy.filters.http.cors"]
        matchers = config["allow_origin_string_match"]
        return lambda o: any(
            m.get("exact") == o or ("safe_regex" in m and re.fullmatch(m["safe_regex"]["regex"], o))
            for m in matchers
        )
    return lambda o: any(g.fullmatch(o) for g in globs)


def _serialized(text: str) -> str | None:
    try:
        return str(Origin.parse(text))
    except ValueError:
        return None


#: Origins a browser could send (serialized as browsers do).
BROWSER_ORIGINS = [
    o
    for o in dict.fromkeys(
        [
            *ORIGINS,
            "https://deep.a.b.example.com",
            "https://app.example.com:8443",
            "http://localhost:5173",
            "https://example.com.evil.test",
            "https://xexample.com",
            "https://evil.test",
        ]
    )
    if o == "null" or _serialized(o) == o
]


@pytest.mark.parametrize(("name", "format_name"), EXPORTED)
def test_target_allows_no_origin_the_engine_refuses(name: str, format_name: str) -> None:
    texts = parts(name, format_name)
    assert texts is not None
    engine = Engine(Policy(**ALL_POLICIES[name]))
    target_allows = allowed_origins_model(format_name, texts)
    widened = [
        origin
        for origin in BROWSER_ORIGINS
        if target_allows(origin) and not _engine_allows(engine, origin)
    ]
    assert not widened


def _engine_allows(engine: Engine, origin: str) -> bool:
    decision = engine.decide("GET", [("Origin", origin)])
    return any(name == b"access-control-allow-origin" for name, _ in decision.headers)


def test_the_origin_model_can_fail() -> None:
    """The check above sees a widening: S3 told `*` for a listed policy."""
    texts = {"s3-cors.json": json.dumps({"CORSRules": [{"AllowedOrigins": ["*"]}]})}
    engine = Engine(Policy(origins=["https://app.example.com"]))
    allows = allowed_origins_model("s3", texts)
    assert [o for o in BROWSER_ORIGINS if allows(o) and not _engine_allows(engine, o)]


# -- refusals: one line, naming why ------------------------------------------------------------

REFUSALS = [
    # (policy fields, format, words the one-line message holds)
    (
        {"origins": ["https://a.example", "https://b.example"]},
        "apigateway-rest",
        "cannot echo one of 2 origins",
    ),
    (
        {"origins": ["https://a.example"], "request_headers": "*", "credentials": True},
        "gateway-api",
        "authorization",
    ),
    (
        {"origins": ["https://a.example"], "request_headers": "*", "credentials": True},
        "s3",
        "authorization",
    ),
    (
        {"origins": ["https://a.example"], "request_headers": "*", "credentials": True},
        "azure-blob",
        "authorization",
    ),
    ({"origins": ["https://a.example"]}, "ingress-nginx", "default request header list"),
    ({"origins": ["https://*.example.com"]}, "gcs", "would allow no origin"),
    ({"origins": ["https://*.example.com"]}, "azure-blob", "would allow no origin"),
    ({"origins": ["https://*.example.com"]}, "apigateway-http", "would allow no origin"),
    (
        {"origins": [f"https://a{i}.example" for i in range(65)]},
        "gateway-api",
        "at most 64 origins",
    ),
    (
        {"origins": ["https://a.example"], "methods": ["GET", "X'Y"]},
        "apigateway-rest",
        "single quote",
    ),
]


@pytest.mark.parametrize(("fields", "format_name", "words"), REFUSALS)
def test_refusals(fields: dict[str, Any], format_name: str, words: str) -> None:
    with pytest.raises(ExportError) as raised:
        render(ExportPlan.from_policy(Policy(**fields)), format_name)
    message = str(raised.value)
    assert words in message and "\n" not in message


def test_refusal_through_the_command(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from crossorigin.cli import main

    policy_file = tmp_path / "p.toml"
    policy_file.write_text('origins = ["https://a.example", "https://b.example"]\n')
    code = main(["export", "--policy", str(policy_file), "--format", "apigateway-rest"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


NOTES = [
    # (policy fields, format, words in the file)
    ({"origins": ["https://*.example.com", "https://a.test"]}, "gcs", "https://*.example.com"),
    ({"origins": ["https://a.test"], "methods": ["GET", "PATCH"]}, "s3", "PATCH"),
    ({"origins": ["https://a.test"], "private_network": True}, "traefik", "private_network"),
    ({"origins": ["https://a.test"], "credentials": True}, "gcs", "no credentials setting"),
    ({"origins": ["https://a.test"]}, "s3", "Access-Control-Allow-Credentials: true"),
    (
        {"origins": ["https://a.test"], "methods": "*", "credentials": True},
        "envoy",
        "methods = '*'",
    ),
    (
        {"origins": ["https://*.example.com"], "request_headers": ["x-a"]},
        "ingress-nginx",
        "one label",
    ),
    (
        {
            "origins": ["https://a.test"],
            "methods": ["GET", "X$http_cookie"],
            "request_headers": ["x-a", "x-$b"],
        },
        "ingress-nginx",
        "left out: X$http_cookie",
    ),
]


@pytest.mark.parametrize(("fields", "format_name", "words"), NOTES)
def test_less_precise_is_noted_in_the_file(
    fields: dict[str, Any], format_name: str, words: str
) -> None:
    text = render(ExportPlan.from_policy(Policy(**fields), "p.toml"), format_name)
    assert "from: p.toml" in text
    assert words in text


# -- configuration injection -----------------------------------------------------------------

HOSTILE_FILE_NAME = 'p\n  injected: yes\n--> <Injected/> "x": 1 \r#.toml'


@pytest.mark.parametrize("format_name", DECLARATIVE)
def test_file_name_adds_nothing(format_name: str) -> None:
    fields = {"origins": ["https://app.example.com"], "request_headers": ["x-a"]}
    clean = render_parts(ExportPlan.from_policy(Policy(**fields), "p.toml"), format_name)
    hostile = render_parts(ExportPlan.from_policy(Policy(**fields), HOSTILE_FILE_NAME), format_name)
    for (name, text), clean_text in zip(hostile.items(), clean.values(), strict=True):
        if name.endswith(".json"):
            clean_data = json.loads(clean_text)
            data = json.loads(text)
            if format_name == "s3":
                for rule in (*data["CORSRules"], *clean_data["CORSRules"]):
                    rule.pop("ID")
            assert data == clean_data
        elif name.endswith(".xml"):
            assert ET.tostring(ET.fromstring(text)) == ET.tostring(ET.fromstring(clean_text))
        elif name.endswith(".yaml"):
            assert list(yaml.safe_load_all(text)) == list(yaml.safe_load_all(clean_text))
        assert "\n  injected: yes" not in text


@pytest.mark.parametrize("format_name", DECLARATIVE)
def test_hostile_tokens_come_back_as_written(format_name: str) -> None:
    fields = {
        "origins": ["https://app.example.com"],
        "methods": ["GET", "PUT", "X$http_cookie", "X'y", "X`y", "X#y"],
        "request_headers": ["x-$http_cookie", "x-`b", "x-%t", "x-#c", "x-&f", "x-|g"],
        "expose_headers": ["x-$h", "x-&i"],
    }
    try:
        texts = render_parts(ExportPlan.from_policy(Policy(**fields)), format_name)
    except ExportError as error:
        # A static value cannot hold a quote; ingress-nginx would answer
        # its default header list once the hostile names are left out.
        assert format_name in ("apigateway-rest", "ingress-nginx"), error
        return
    text = main_part(texts)
    names = set(fields["request_headers"]) | set(fields["methods"]) | set(fields["expose_headers"])
    if format_name in ("s3", "gcs"):
        found = json.dumps(json.loads(text))
    elif format_name == "azure-blob":
        rule = ET.fromstring(text).find("Cors/CorsRule")
        assert rule is not None
        found = " ".join((child.text or "") for child in rule)
    else:
        found = json.dumps(list(yaml.safe_load_all(text)))
    written = [n for n in names if n in found or json.dumps(n)[1:-1] in found]
    assert written, format_name
    CHECKS[format_name](texts)
