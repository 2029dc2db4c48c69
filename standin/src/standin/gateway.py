"""The gateway: every AWS client of the sandbox talks to moto through it.

Per request it finds the service, operation and caller; refuses keys moto never issued or that
expired; injects the faults of the live ``FaultPlan``; decides ``sts:AssumeRole`` as AWS would;
answers what moto lacks (``gaps``); forwards the rest to moto over HTTP with the caller's account
named in ``x-moto-account-id``; makes sure botocore finds a request id; and writes the trail.

``/_sandbox/faults`` (GET, PUT to replace, PATCH to merge), ``/_sandbox/trail`` (GET) and
``/_sandbox/sign-in`` (POST: a trainee's console sign-in) control and observe it from another
process; they are never faulted nor recorded. Requests carrying
``x-whodidthis-sandbox-backdoor: ACCOUNT`` are the account factory's (tests plant decoys and
inspect state with them): they skip authentication, policies, faults and the trail, but still get
the gap fills, so a CodeCommit tag planted through the backdoor is seen by the product.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import urllib3
from werkzeug.test import EnvironBuilder, run_wsgi_app

from standin import assume_role, cfn_models, moto_state, signing, trainee_activity
from standin.authorization import Authorizer, malformed_trust
from standin.cloudtrail import CloudTrail
from standin.faults import FaultPlan
from standin.gaps import MotoGaps
from standin.httpserver import HOP_BY_HOP, HttpRequest, HttpResponse
from standin.iam_quotas import refuse_past_quota
from standin.policy import role_account
from standin.principals import Principal, Principals
from standin.protocols import (
    Call,
    ServiceCatalog,
    classify,
    ensure_request_id,
    error_code,
    error_response,
    new_request_id,
    throttling_response,
)
from standin.ssm_sessions import SsmSessions
from standin.stack_authorization import enforce_stack_permissions, refuse_stack_change
from standin.trail import Trail, TrailRecord, now_iso

LOG = logging.getLogger(__name__)
CONTROL_PREFIX = "/_sandbox/"
# Names the account a backdoor session acts in (see Sandbox.backdoor_session).
BACKDOOR_HEADER = "x-whodidthis-sandbox-backdoor"
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"

# protocol -> (code, status, message) AWS answers for an unsigned request, a key it never
# issued, and a session that expired.
_UNSIGNED = {
    "default": ("MissingAuthenticationToken", 403, "Missing Authentication Token"),
    "json": ("MissingAuthenticationTokenException", 400, "Missing Authentication Token"),
    "rest-json": ("MissingAuthenticationTokenException", 403, "Missing Authentication Token"),
    "rest-xml": ("AccessDenied", 403, "Access Denied"),
}
_INVALID = {
    "default": ("InvalidClientTokenId", 403, INVALID_TOKEN),
    "json": ("UnrecognizedClientException", 400, INVALID_TOKEN),
    "rest-json": ("UnrecognizedClientException", 403, INVALID_TOKEN),
    "rest-xml": (
        "InvalidAccessKeyId",
        403,
        "The AWS Access Key Id you provided does not exist in our records.",
    ),
}
_EXPIRED = {
    "default": ("ExpiredToken", 403, EXPIRED_TOKEN),
    "json": ("ExpiredTokenException", 400, EXPIRED_TOKEN),
    "rest-json": ("ExpiredTokenException", 403, EXPIRED_TOKEN),
    "rest-xml": ("ExpiredToken", 400, "The provided token has expired."),
}


class Gateway:
    """The request handler in front of moto (plug it into ``HttpServer``)."""

    def __init__(self, moto_url: str, trail: Trail, faults: FaultPlan):
        self.moto_url = moto_url.rstrip("/")
        self.moto_app: Any = None  # moto's WSGI application, when it runs in this process
        self.trail = trail
        self.faults = faults
        self.catalog = ServiceCatalog()
        self.principals = Principals()
        self.authorizer = Authorizer()
        self.gaps = MotoGaps(faults)
        self.cloudtrail = CloudTrail()  # the event history LookupEvents answers from
        # Session Manager sessions of the sandbox's instance (its region is set by the sandbox);
        # each one opened or ended is a StartSession / TerminateSession record.
        self.ssm_sessions = SsmSessions(on_record=self.cloudtrail.record_session)
        # moto's werkzeug server closes each connection, so the pool mostly bounds concurrency.
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=128, block=False, retries=False)

    def reset(self) -> None:
        """Forget gateway state tied to moto's (after moto was reset)."""
        self.principals.clear()
        self.gaps.clear()
        self.ssm_sessions.clear()
        self.cloudtrail.clear()

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Serve one request (called concurrently from the server's threads)."""
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)
        call = classify(request, self.catalog)
        backdoor = request.header(BACKDOOR_HEADER)
        if backdoor is not None:
            return self._backdoor(call, backdoor, request)
        # The latency is the time AWS takes to answer: moto's own work happens within it, as
        # AWS's does, instead of being added after it. With 32 requests in flight, moto's work
        # (one Python process, one GIL) queued for 20-25 ms on top of a 50 ms latency, a wait
        # AWS does not make a host's concurrent calls pay.
        answer_at = time.monotonic() + self.faults.delay_seconds()
        principal = self.principals.resolve(call.access_key_id)
        try:
            response, target_role_arn = self._serve(call, principal, request)
        except Exception as exc:  # a sandbox bug must look like AWS failing, not a dropped socket
            LOG.exception("sandbox gateway failed on %s %s", call.service, call.operation)
            message = f"sandbox gateway error ({type(exc).__name__}); see its log"
            response = error_response(call, "InternalFailure", message, 500, new_request_id(call))
            target_role_arn = None
        request_id = ensure_request_id(call, response)
        self.trail.record(
            TrailRecord(
                ts=now_iso(),
                account=principal.account if principal else self._key_account(call),
                principal_arn=principal.arn if principal else None,
                session_name=principal.session_name if principal else None,
                source_identity=principal.source_identity if principal else None,
                service=call.service,
                operation=call.operation,
                request_id=request_id,
                status=response.status,
                error_code=error_code(call, response),
                region=call.region,
                target_role_arn=target_role_arn,
            )
        )
        if principal is not None:  # CloudTrail records only what AWS authenticated
            self.cloudtrail.record(call, principal, request, response, request_id)
        if (wait := answer_at - time.monotonic()) > 0:
            time.sleep(wait)  # the injected latency itself, not a wait for work
        return response

    @staticmethod
    def _key_account(call: Call) -> str | None:
        if not call.access_key_id:
            return None
        return moto_state.account_from_access_key(call.access_key_id)

    def _serve(
        self, call: Call, principal: Principal | None, request: HttpRequest
    ) -> tuple[HttpResponse, str | None]:
        """The response, and the target role ARN for AssumeRole."""
        is_assume = call.service == "sts" and call.operation == "AssumeRole"
        target = call.params.get("RoleArn") if is_assume else None
        refusal = self._authenticate(call, principal, request)
        if refusal is not None:
            return refusal, target
        assert principal is not None
        fault, lost = self._fault(call, principal, target)
        if fault is not None and not lost:
            return fault, target
        refused = self.authorizer.refusal(call, principal, new_request_id(call))
        if refused is None:
            refused = malformed_trust(call, new_request_id(call))
        if refused is not None:
            return refused, target
        if call.service == "iam" and call.operation == "SimulatePrincipalPolicy":
            return self.authorizer.simulate(call, new_request_id(call)), target
        if is_assume:
            response: HttpResponse | None = self._assume_role(call, principal, request)
        else:
            response = self.ssm_sessions.answer(call, principal, new_request_id(call))
            if response is None:
                response = self.cloudtrail.answer(call, principal, new_request_id(call))
            if response is None:  # what AWS refuses before any resource, and what we cannot run
                response = (
                    cfn_models.insufficient_capabilities(call, new_request_id(call))
                    or cfn_models.refuse_unrunnable(call, new_request_id(call))
                    or refuse_stack_change(call, principal, new_request_id(call))
                    or refuse_past_quota(call, principal, new_request_id(call))
                )
            if response is None:
                response = self.gaps.answer(call, principal, request, new_request_id(call))
            if response is None:
                response = self._forward_stack_safely(call, request, principal.account)
                self.gaps.after(call, principal, response)
                enforce_stack_permissions(call, principal, response)
        assert response is not None  # _forward always answers
        # A lost answer: the call took effect, and the caller hears only the error.
        return (fault if fault is not None else response), target

    def _forward_stack_safely(self, call: Call, request: HttpRequest, account: str) -> HttpResponse:
        """Forward; a CreateStack that crashes moto answers an error at once, so the stuck
        stack fails like AWS's (``gaps_steps.fail_stack_like_aws``) instead of hanging."""
        if call.service != "cloudformation" or call.operation != "CreateStack":
            return self._forward(request, account)
        try:
            return self._forward(request, account)
        except Exception as exc:  # moto's own failure, named in the resource's reason
            LOG.exception("moto failed on CreateStack")
            message = f"The stand-in (moto) failed creating this resource: {exc!r}"
            return error_response(call, "InternalFailure", message, 500, new_request_id(call))

    def _authenticate(
        self, call: Call, principal: Principal | None, request: HttpRequest
    ) -> HttpResponse | None:
        """AWS's answer to an unsigned request, an unknown key or token, an expired session or
        a wrong signature; else None."""
        token = request.header("X-Amz-Security-Token") or _query_token(request)
        if not call.access_key_id:
            code, status, message = _UNSIGNED.get(call.protocol, _UNSIGNED["default"])
        elif principal is None or token != principal.session_token:
            code, status, message = _INVALID.get(call.protocol, _INVALID["default"])
        elif principal.expired(datetime.now(UTC)):
            code, status, message = _EXPIRED.get(call.protocol, _EXPIRED["default"])
        elif principal.secret is not None and not signing.signature_matches(
            request, principal.secret
        ):
            code, status, message = signing.mismatch(call.protocol)
        else:
            return None
        return error_response(call, code, message, status, new_request_id(call))

    def _fault(
        self, call: Call, principal: Principal, target: str | None
    ) -> tuple[HttpResponse | None, bool]:
        """The injected answer, if any, and whether the call is served first (a lost answer)."""
        accounts = {principal.account}
        if target:
            accounts.add(role_account(target))
        rule = self.faults.error_for(accounts, call.service, call.operation, principal.arn)
        if rule is not None:
            answer = error_response(
                call, rule.code, rule.message, rule.status, new_request_id(call)
            )
            return answer, rule.after_applying
        if self.faults.should_throttle(call.service):
            return throttling_response(call, new_request_id(call)), False
        return None, False

    def _assume_role(self, call: Call, caller: Principal, request: HttpRequest) -> HttpResponse:
        refusal = assume_role.check(caller, call.params)
        if refusal is not None:
            return error_response(
                call, refusal.code, refusal.message, refusal.status, new_request_id(call)
            )
        response = self._forward(request, caller.account)
        if response.status == 200:
            body, new_key, facts = assume_role.rewrite_answer(
                caller, call.params, response.body, self.faults.credential_lifetime
            )
            response.body = body
            if new_key:
                self.principals.remember(new_key, facts)
        return response

    def _backdoor(self, call: Call, account: str, request: HttpRequest) -> HttpResponse:
        """The account factory's way in: moto plus the gap fills; no checks, faults or trail."""
        if not (len(account) == 12 and account.isdigit()):
            return _json(400, {"error": f"{BACKDOOR_HEADER} must be a 12-digit account id"})
        owner = Principal(account=account, arn=f"arn:aws:iam::{account}:root", kind="backdoor")
        response = self.gaps.answer(call, owner, request, new_request_id(call))
        if response is None:
            response = self._forward(request, account)
            self.gaps.after(call, owner, response)
            if call.service == "sts" and call.operation == "AssumeRole" and response.status == 200:
                response.body, new_key, facts = assume_role.rewrite_answer(
                    owner, call.params, response.body, None
                )
                if new_key:
                    self.principals.remember(new_key, facts)
        ensure_request_id(call, response)
        return response

    def _forward(self, request: HttpRequest, account: str) -> HttpResponse:
        private = (moto_state.ACCOUNT_HEADER, BACKDOOR_HEADER)
        headers = {
            key: value
            for key, value in request.headers
            if key.lower() not in HOP_BY_HOP and key.lower() not in private
        }
        headers[moto_state.ACCOUNT_HEADER] = account
        if self.moto_app is not None:
            return self._dispatch(request, headers)
        url = self.moto_url + request.path + (f"?{request.query}" if request.query else "")
        upstream = self._pool.urlopen(
            request.method,
            url,
            body=request.body or None,
            headers=headers,
            redirect=False,
            assert_same_host=False,
            preload_content=True,
            decode_content=False,
        )
        return HttpResponse(upstream.status, list(upstream.headers.items()), upstream.data)

    def _dispatch(self, request: HttpRequest, headers: dict[str, str]) -> HttpResponse:
        """Hand the request to moto's WSGI application in this process: the same application
        its server runs, without a second HTTP hop (a TCP connection and a thread per request,
        since moto's werkzeug server does not keep connections alive)."""
        host = self.moto_url.split("://", 1)[1]
        builder = EnvironBuilder(
            method=request.method,
            path=request.path,
            query_string=request.query or "",
            headers=list({**headers, "Host": host}.items()),
            data=request.body or b"",
            base_url=self.moto_url,
        )
        app_iter, status, out_headers = run_wsgi_app(
            self.moto_app, builder.get_environ(), buffered=True
        )
        try:
            body = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        code = int(status.split(" ", 1)[0])
        return HttpResponse(code, list(out_headers.items()), body)

    # -- the control endpoint --------------------------------------------------------------------

    def _control(self, request: HttpRequest) -> HttpResponse:
        route = request.path.removeprefix(CONTROL_PREFIX).rstrip("/")
        try:
            if route == "faults":
                return self._control_faults(request)
            if route == "trail" and request.method == "GET":
                return _json(200, self.trail.records())
            if route == "health" and request.method == "GET":
                return _json(200, {"ok": True})
            if route == "ssm-sessions":
                return self._control_ssm_sessions(request)
            if route == "sign-in" and request.method == "POST":
                return self._control_sign_in(request)
        except (ValueError, TypeError, KeyError) as exc:
            return _json(400, {"error": str(exc)})
        return _json(404, {"error": f"no such control route: {request.method} {request.path}"})

    def _control_ssm_sessions(self, request: HttpRequest) -> HttpResponse:
        """GET lists the sessions; POST ``{"owner", "target", "session_id"?}`` opens one;
        DELETE ``{"session_id"}`` terminates it."""
        if request.method == "GET":
            return _json(200, self.ssm_sessions.listing())
        document = json.loads(request.body or b"{}")
        if request.method == "POST":
            opened = self.ssm_sessions.open(
                document["owner"], document["target"], document.get("session_id")
            )
            return _json(200, {"SessionId": opened.SessionId})
        if request.method == "DELETE":
            self.ssm_sessions.terminate(document["session_id"])
            return _json(200, {"ok": True})
        return _json(405, {"error": "use GET, POST or DELETE"})

    def sign_in(self, account: str, user_name: str) -> dict:
        """A console sign-in of IAM user ``user_name``: PasswordLastUsed and a ConsoleLogin
        event (``trainee_activity.sign_in``); returns the event."""
        event = trainee_activity.sign_in(account, user_name)
        self.cloudtrail.add(event)
        return event

    def _control_sign_in(self, request: HttpRequest) -> HttpResponse:
        """POST ``{"account", "user"}``: that IAM user signs in to the console."""
        document = json.loads(request.body or b"{}")
        event = self.sign_in(str(document["account"]), str(document["user"]))
        return _json(200, {"eventTime": event["eventTime"], "eventName": event["eventName"]})

    def _control_faults(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET":
            return _json(200, self.faults.snapshot())
        document = json.loads(request.body or b"{}")
        if not isinstance(document, dict):
            raise ValueError("the fault plan must be a JSON object")
        if request.method == "PUT":
            return _json(200, self.faults.replace(document))
        if request.method == "PATCH":
            return _json(200, self.faults.merge(document))
        return _json(405, {"error": "use GET, PUT or PATCH"})


def _query_token(request: HttpRequest) -> str | None:
    """A presigned URL's session token (``X-Amz-Security-Token``, any case: SigV2 is lower)."""
    for key, value in request.query_params.items():
        if key.lower() == "x-amz-security-token":
            return value
    return None


def _json(status: int, payload: object) -> HttpResponse:
    body = json.dumps(payload).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)
