"""What an AWS request is (service, operation, caller key) and how each protocol shapes errors.

The service comes from the SigV4 credential scope, the operation from the protocol: ``Action`` for
query (STS, IAM, CloudFormation), ``X-Amz-Target`` for JSON (CodeCommit, SSM), and for rest-json /
rest-xml (EKS, S3) the method and path matched against botocore's own service model, loaded once
per service. Errors the gateway makes look exactly like the service's own, so botocore parses them
(code, message, request id) as it would AWS's.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.loaders import create_loader
from botocore.model import OperationModel, ServiceModel

from standin.httpserver import HttpRequest, HttpResponse

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"^([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request$")
_SIGV2 = re.compile(r"^AWS ([A-Z0-9]+):")
_XML_REQUEST_ID = re.compile(rb"<Request(?:I[dD])>([^<]+)</Request(?:I[dD])>")
_EC2_REQUEST_ID = re.compile(rb"<requestId>([^<]+)</requestId>")
_XML_CODE = re.compile(rb"<Code>([^<]+)</Code>")


@dataclass(frozen=True)
class Route:
    """One rest operation: method, a path regex, and the query keys and headers it requires.

    Several S3 operations share a URI (PutObject, CopyObject, UploadPart all ``PUT
    /{Bucket}/{Key+}``); their required query members and headers tell them apart.
    """

    operation: str
    method: str
    pattern: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]
    headers: tuple[str, ...]
    literal_length: int

    def matches(self, method: str, path: str, params: dict[str, str], headers: set[str]) -> bool:
        """True when this route can serve the request."""
        if method != self.method or not self.pattern.fullmatch(path):
            return False
        if not all(name in headers for name in self.headers):
            return False
        return all(k in params and (v is None or params[k] == v) for k, v in self.query)

    @property
    def specificity(self) -> tuple[int, int]:
        """More requirements and longer literal paths win among matching routes."""
        return (len(self.query) + len(self.headers), self.literal_length)


@dataclass(frozen=True)
class ServiceInfo:
    """What the gateway needs from one botocore service model."""

    name: str
    protocol: str
    xml_namespace: str | None
    json_version: str | None
    routes: tuple[Route, ...] = ()


def _required_members(model: OperationModel) -> tuple[list[tuple[str, None]], list[str]]:
    """Required input members sent in the query string, and in headers (lower-cased)."""
    shape = model.input_shape
    if shape is None:
        return [], []
    query, headers = [], []
    for name in shape.required_members:
        member = shape.members[name]
        where = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if where == "querystring":
            query.append((wire_name, None))
        elif where == "header":
            headers.append(wire_name.lower())
    return query, headers


def _compile_route(model: OperationModel) -> Route:
    http = model.http
    uri = http.get("requestUri", "/")
    path, _, query = uri.partition("?")
    regex, literal = "", 0
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{"):
            regex += ".+" if piece.endswith("+}") else "[^/]+"
        else:
            regex += re.escape(piece)
            literal += len(piece)
    required: list[tuple[str, str | None]] = []
    for item in filter(None, query.split("&")):
        key, eq, value = item.partition("=")
        required.append((key, value if eq else None))
    member_query, headers = _required_members(model)
    required += [q for q in member_query if q[0] not in dict(required)]
    return Route(
        model.name,
        http.get("method", "POST"),
        re.compile(regex),
        tuple(required),
        tuple(headers),
        literal,
    )


# signing name -> botocore's model name, where they differ (an unknown name costs botocore a
# scan of every model folder, seconds, before it says so)
_MODEL_NAMES = {"cloudcontrolapi": "cloudcontrol"}


class ServiceCatalog:
    """botocore service models, loaded on first use and kept (thread-safe)."""

    def __init__(self) -> None:
        self._loader = create_loader()
        self._services: dict[str, ServiceInfo | None] = {}
        self._lock = threading.Lock()

    def get(self, signing_name: str) -> ServiceInfo | None:
        """The service signed as ``signing_name`` (``sts``, ``s3``, ``eks``...), or None."""
        with self._lock:
            if signing_name not in self._services:
                self._services[signing_name] = self._load(signing_name)
            return self._services[signing_name]

    def _load(self, name: str) -> ServiceInfo | None:
        try:
            model_name = _MODEL_NAMES.get(name, name)
            model = ServiceModel(self._loader.load_service_model(model_name, "service-2"), name)
        except (UnknownServiceError, DataNotFoundError):
            return None
        meta = model.metadata
        protocol = meta.get("protocol", "query")
        routes: tuple[Route, ...] = ()
        if protocol.startswith("rest"):
            routes = tuple(
                _compile_route(model.operation_model(op)) for op in model.operation_names
            )
        return ServiceInfo(
            name, protocol, meta.get("xmlNamespace"), meta.get("jsonVersion"), routes
        )


@dataclass
class Call:
    """One AWS request, classified.

    Attributes:
        service: the signing name (``sts``, ``codecommit``...), None when unsigned.
        operation: the API operation (``AssumeRole``, ``CreateCluster``...), None if unknown.
        protocol: ``query``, ``ec2``, ``json``, ``rest-json``, ``rest-xml`` or ``unknown``.
        region: the region from the credential scope.
        access_key_id: the caller's key id (never logged).
        params: query-protocol parameters (form body and query string).
        json_body: the parsed JSON body for JSON protocols, else None.
        info: the service model summary, when botocore knows the service.
    """

    service: str | None
    operation: str | None
    protocol: str
    region: str | None
    access_key_id: str | None
    params: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    info: ServiceInfo | None = None


def _credential_scope(request: HttpRequest) -> tuple[str | None, str | None, str | None]:
    match = _SCOPE.search(request.header("Authorization") or "")
    if match:
        return match.group(1), match.group(2), match.group(3)
    params = request.query_params
    match = _QUERY_SCOPE.match(params.get("X-Amz-Credential") or "")
    if match:
        return match.group(1), match.group(2), match.group(3)
    # Signature version 2 survives only in S3 (presigned URLs, "AWS key:signature" headers).
    match = _SIGV2.match(request.header("Authorization") or "")
    key = match.group(1) if match else params.get("AWSAccessKeyId")
    return (key, None, "s3") if key else (None, None, None)


def _form_params(request: HttpRequest) -> dict[str, str]:
    params = request.query_params
    content_type = (request.header("Content-Type") or "").lower()
    if request.body and "x-www-form-urlencoded" in content_type:
        params.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return None


def _route(info: ServiceInfo, request: HttpRequest) -> str | None:
    params = request.query_params
    headers = {key.lower() for key, _ in request.headers}
    candidates = [
        r for r in info.routes if r.matches(request.method, request.path, params, headers)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: r.specificity).operation


def classify(request: HttpRequest, catalog: ServiceCatalog) -> Call:
    """Service, operation, protocol and caller key of ``request``."""
    key, region, service = _credential_scope(request)
    info = catalog.get(service) if service else None
    target = request.header("X-Amz-Target")
    protocol = info.protocol if info else ("json" if target else "unknown")
    call = Call(service, None, protocol, region, key, info=info)
    if protocol in ("query", "ec2") or (protocol == "unknown" and request.body):
        call.params = _form_params(request)
        call.operation = call.params.get("Action")
        if call.operation and protocol == "unknown":
            call.protocol = "query"
    elif protocol == "json":
        call.operation = target.rpartition(".")[2] if target else None
        call.json_body = _json_body(request)
    elif protocol.startswith("rest") and info:
        call.operation = _route(info, request)
        if protocol == "rest-json":
            call.json_body = _json_body(request)
    return call


def new_request_id(call: Call) -> str:
    """A request id shaped like the service's own (S3: 16 hex digits, others: a UUID)."""
    if call.protocol == "rest-xml":
        return secrets.token_hex(8).upper()
    return str(uuid.uuid4())


def _xml(body: str) -> bytes:
    return body.encode("utf-8")


def _query_error(
    call: Call, code: str, message: str, status: int, request_id: str, sender: bool
) -> HttpResponse:
    namespace = (call.info.xml_namespace if call.info else None) or ""
    xmlns = f' xmlns="{escape(namespace)}"' if namespace else ""
    kind = "Sender" if sender else "Receiver"
    body = (
        f"<ErrorResponse{xmlns}><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return HttpResponse(status, headers, _xml(body))


def _ec2_error(code: str, message: str, status: int, request_id: str) -> HttpResponse:
    body = (
        f"<Response><Errors><Error><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error></Errors>"
        f"<RequestID>{request_id}</RequestID></Response>"
    )
    return HttpResponse(status, [("Content-Type", "text/xml")], _xml(body))


def _s3_error(code: str, message: str, status: int, request_id: str) -> HttpResponse:
    host_id = secrets.token_urlsafe(48)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
    )
    headers = [
        ("Content-Type", "application/xml"),
        ("x-amz-request-id", request_id),
        ("x-amz-id-2", host_id),
    ]
    return HttpResponse(status, headers, _xml(body))


def _json_error(call: Call, code: str, message: str, status: int, request_id: str) -> HttpResponse:
    headers = [("x-amzn-RequestId", request_id)]
    if call.protocol == "rest-json":
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
        return HttpResponse(status, headers, json.dumps({"message": message}).encode())
    version = (call.info.json_version if call.info else None) or "1.1"
    headers.append(("Content-Type", f"application/x-amz-json-{version}"))
    return HttpResponse(status, headers, json.dumps({"__type": code, "message": message}).encode())


def error_response(
    call: Call, code: str, message: str, status: int, request_id: str, sender: bool = True
) -> HttpResponse:
    """An error exactly as ``call``'s service would send it, carrying ``request_id``."""
    if call.protocol == "query":
        return _query_error(call, code, message, status, request_id, sender)
    if call.protocol == "ec2":
        return _ec2_error(code, message, status, request_id)
    if call.protocol == "rest-xml":
        return _s3_error(code, message, status, request_id)
    return _json_error(call, code, message, status, request_id)


def json_response(call: Call, payload: Any, request_id: str, status: int = 200) -> HttpResponse:
    """A successful JSON-protocol answer made by the gateway itself."""
    version = (call.info.json_version if call.info else None) or "1.1"
    kind = (
        "application/json" if call.protocol == "rest-json" else f"application/x-amz-json-{version}"
    )
    headers = [("Content-Type", kind), ("x-amzn-RequestId", request_id)]
    return HttpResponse(status, headers, json.dumps(payload).encode())


# protocol -> (code, HTTP status, message) of the service's real throttling answer
THROTTLING = {
    "query": ("Throttling", 400, "Rate exceeded"),
    "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
    "json": ("ThrottlingException", 400, "Rate exceeded"),
    "rest-json": ("ThrottlingException", 429, "Rate exceeded"),
    "rest-xml": ("SlowDown", 503, "Please reduce your request rate."),
    "unknown": ("ThrottlingException", 400, "Rate exceeded"),
}


def throttling_response(call: Call, request_id: str) -> HttpResponse:
    """The throttling error of ``call``'s protocol."""
    code, status, message = THROTTLING.get(call.protocol, THROTTLING["unknown"])
    return error_response(call, code, message, status, request_id)


def response_request_id(call: Call, response: HttpResponse) -> str | None:
    """The request id botocore will report for ``response`` (None when it has none)."""
    if call.protocol in ("query", "ec2", "unknown"):
        match = _XML_REQUEST_ID.search(response.body) or _EC2_REQUEST_ID.search(response.body)
        if match:
            return match.group(1).decode()
        if call.protocol != "unknown":
            return None
    return response.header("x-amzn-RequestId") or (
        response.header("x-amz-request-id") if call.protocol == "rest-xml" else None
    )


def _inject_xml_request_id(body: bytes, request_id: str, error: bool) -> bytes:
    closing = body.rstrip().rfind(b"</")
    if closing < 0:
        return body
    rid = request_id.encode()
    element = (
        b"<RequestId>" + rid + b"</RequestId>"
        if error
        else b"<ResponseMetadata><RequestId>" + rid + b"</RequestId></ResponseMetadata>"
    )
    return body[:closing] + element + body[closing:]


def ensure_request_id(call: Call, response: HttpResponse) -> str:
    """Make sure botocore finds a request id in ``response``; returns it."""
    found = response_request_id(call, response)
    if found:
        return found
    request_id = new_request_id(call)
    response.set_header("x-amzn-RequestId", request_id)
    if call.protocol in ("query", "ec2") and response.body:
        response.body = _inject_xml_request_id(response.body, request_id, response.status >= 300)
    return request_id


def error_code(call: Call, response: HttpResponse) -> str | None:
    """The error code of a failed response, as botocore would parse it (None on success)."""
    if response.status < 300:
        return None
    header = response.header("x-amzn-ErrorType")
    if header:
        return header.split(":", 1)[0]
    if call.protocol in ("json", "rest-json", "unknown"):
        try:
            kind = json.loads(response.body or b"{}").get("__type")
        except (ValueError, AttributeError):
            kind = None
        if kind:
            return str(kind).rsplit("#", 1)[-1]
    match = _XML_CODE.search(response.body)
    return match.group(1).decode() if match else str(response.status)
