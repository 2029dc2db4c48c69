"""The sandbox: moto, the gateway in front of it, an IMDSv2 endpoint, the story's accounts.

Everything listens on 127.0.0.1 on ports the OS picks and runs on background threads of this
process. moto keeps its state in process-global backends, so only one sandbox may run per process
at a time; ``reset`` (cheap: a few milliseconds for 12 trainees) gives a test a fresh topology
instead of a second sandbox.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import urllib3

from standin import bootstrap, cfn_models, moto_speed, moto_state
from standin.faults import FaultPlan
from standin.gateway import BACKDOOR_HEADER, Gateway
from standin.httpserver import HttpServer
from standin.imds import InstanceMetadata
from standin.roles import Deployment, RoleTemplates, deploy
from standin.sample_course import write_sample_course
from standin.trail import Trail

INSTANCE_ID = "i-0a1b2c3d4e5f60718"
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
)
_BACKDOOR_KEY = ("AKIAIOSFODNN7EXAMPLE", "sandbox-backdoor-not-a-secret")

_active_lock = threading.Lock()
_active: Sandbox | None = None


@dataclass
class SandboxOptions:
    """How to build a sandbox.

    Attributes:
        trainees: how many trainee accounts.
        latency_ms: how long every request takes to answer at least (moto's own work happens
            within that time, as AWS's does within its latency).
        jitter_ms: extra uniform random latency, 0..jitter_ms.
        throttle: probability of throttling each request (every service).
        before: trainee name -> before-state (``root-trust``, ``no-role``, ``other-account``,
            ``no-source-identity``, ``wildcard``; ``trusted`` is the fixed state).
        directory: where the course, template and trail go (default: a temporary folder,
            removed on stop).
        region: the region of the course and of the emulated instance.
        seed: seeds the fault plan's RNG.
        host_credential_lifetime: seconds each IMDS credential set lives.
        instance_id: the emulated EC2 instance (also the host role's session name).
        course_name: the sample course's name.
        imds_refuse_token: IMDS refuses the token request (403): botocore falls back to
            IMDSv1, which is then served.
        cloudtrail_delivery_delay: seconds before a CloudTrail record shows in LookupEvents
            (AWS: about 5 minutes, not guaranteed).
        roles: the role templates ``whodidthis iam-templates`` writes, or a function given
            the sample course's path that returns them (so a caller can write the trainee
            template for that course). Required: the stand-in has no roles of its own.
    """

    trainees: int = 12
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    throttle: float = 0.0
    before: dict[str, str] = field(default_factory=dict)
    directory: str | Path | None = None
    region: str = "ap-northeast-1"
    seed: int = 0
    host_credential_lifetime: int = 21600
    instance_id: str = INSTANCE_ID
    course_name: str = "dojo-2026-12"
    imds_refuse_token: bool = False
    cloudtrail_delivery_delay: float = 0.0
    roles: RoleTemplates | Callable[[Path], RoleTemplates] | None = None


class _BackdoorSession(boto3.Session):
    """A boto3 session acting as one account straight on moto, like an account factory.

    Its requests pass the gateway's backdoor (no authentication, policies, faults or trail), so
    what moto lacks (CodeCommit tags...) is filled in for it as for the product.
    """

    def __init__(self, gateway_url: str, account: str, region: str):
        super().__init__(
            aws_access_key_id=_BACKDOOR_KEY[0],
            aws_secret_access_key=_BACKDOOR_KEY[1],
            region_name=region,
        )
        self._gateway_url = gateway_url
        self._account = account
        self.events.register("before-send", self._name_account)

    def _name_account(self, request: Any, **_: Any) -> None:
        request.headers[BACKDOOR_HEADER] = self._account

    def client(self, *args: Any, **kwargs: Any) -> Any:
        """A client acting on moto as the session's account."""
        kwargs.setdefault("endpoint_url", self._gateway_url)
        return super().client(*args, **kwargs)

    def resource(self, *args: Any, **kwargs: Any) -> Any:
        """A resource acting on moto as the session's account."""
        kwargs.setdefault("endpoint_url", self._gateway_url)
        return super().resource(*args, **kwargs)


class _EndpointSession(boto3.Session):
    """A boto3 session whose clients talk to the sandbox's gateway."""

    def __init__(self, gateway_url: str, **kwargs: Any):
        super().__init__(**kwargs)
        self._gateway_url = gateway_url

    def client(self, *args: Any, **kwargs: Any) -> Any:
        """A client of the gateway."""
        kwargs.setdefault("endpoint_url", self._gateway_url)
        return super().client(*args, **kwargs)


class Sandbox:
    """Local AWS with the story's accounts, a host identity on IMDS, faults and a trail."""

    admin_account = bootstrap.ADMIN_ACCOUNT

    def __init__(self, options: SandboxOptions | None = None):
        self.options = dataclasses.replace(options or SandboxOptions())
        self.trainees: list[tuple[str, str]] = []
        self.directory: Path = Path()
        self.course_path: Path = Path()
        self.trail_path: Path = Path()
        self.faults = FaultPlan(self.options.seed)
        self.instance_id = self.options.instance_id
        self.gateway_url = self.moto_url = self.imds_url = ""
        self._owns_directory = False
        self._moto: Any = None
        self._servers: list[HttpServer] = []
        self._gateway: Gateway | None = None
        self._imds: InstanceMetadata | None = None
        self._trail: Trail | None = None
        self._started = self._stopped = False
        self._roles_for: tuple[object, str, RoleTemplates] | None = None
        self._admin_roles: Deployment | None = None
        self._trainee_roles: Deployment | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Start moto, the gateway and IMDS, and bootstrap the topology; returns self."""
        global _active
        if self.options.roles is None:
            raise ValueError(
                "SandboxOptions.roles is required: the role templates `whodidthis "
                "iam-templates --course COURSE --out DIR` writes (RoleTemplates.from_dir(DIR))"
            )
        with _active_lock:
            if _active is not None:
                raise RuntimeError(
                    "a sandbox is already running in this process (moto's state is "
                    "process-global); stop it first or use its reset()"
                )
            _active = self
        self._started = True
        try:
            self._start_servers()
            self._configure()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_servers(self) -> None:
        from moto.server import ThreadedMotoServer

        moto_speed.apply()
        cfn_models.install()
        moto_state.share_aws_managed_policies()
        werkzeug_log = logging.getLogger("werkzeug")
        if werkzeug_log.level == logging.NOTSET:
            werkzeug_log.setLevel(logging.WARNING)  # moto logs one line per request otherwise
        if self.options.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="whodidthis-sandbox-"))
            self._owns_directory = True
        else:
            self.directory = Path(self.options.directory).resolve()
            self.directory.mkdir(parents=True, exist_ok=True)
        self.trail_path = self.directory / "trail.jsonl"
        self._trail = Trail(self.trail_path)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self._gateway = Gateway(self.moto_url, self._trail, self.faults)
        self._gateway.moto_app = self._moto._server.app
        self._gateway.ssm_sessions.region = self.options.region  # SSM answers only there
        for service in moto_speed.WARM_SERVICES:  # before the first burst of requests
            self._gateway.catalog.get(service)
        moto_speed.warm_apps(self._moto._server.app)
        cfn_models.warm(self.options.region)
        self._imds = InstanceMetadata(
            self._issue_host_session,
            self.instance_id,
            self.options.region,
            bootstrap.HOST_ROLE,
            f"arn:aws:iam::{self.admin_account}:instance-profile/{bootstrap.HOST_ROLE}",
            self.options.host_credential_lifetime,
        )
        gateway = HttpServer(self._gateway.handle, "sandbox-gateway").start()
        imds = HttpServer(self._imds.handle, "sandbox-imds").start()
        self._servers = [gateway, imds]
        self.gateway_url, self.imds_url = gateway.url, imds.url

    def _issue_host_session(self, lifetime: int) -> Any:
        return bootstrap.issue_host_session(self.instance_id, lifetime, self.options.region)

    def stop(self) -> None:
        """Stop every server and release the process's sandbox slot (idempotent)."""
        global _active
        if self._stopped or not self._started:
            return
        self._stopped = True
        for server in self._servers:
            server.stop()
        if self._moto is not None and self._moto._server is not None:
            self._moto.stop()
        if self._trail is not None:
            self._trail.close()
        if self._owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)
        with _active_lock:
            if _active is self:
                _active = None

    def __enter__(self) -> Sandbox:
        return self if self._started else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state -------------------------------------------------------------------------------

    def reset(self, **changes: Any) -> Sandbox:
        """Wipe moto and the gateway's state and bootstrap again; returns self.

        Args:
            **changes: ``SandboxOptions`` fields to change first (``trainees``, ``before``,
                ``latency_ms``, ``jitter_ms``, ``throttle``, ``seed``,
                ``host_credential_lifetime``, ``roles``). Without them the options of the last reset apply.
        """
        fixed = {"directory", "region", "instance_id"} & set(changes)
        if fixed:
            raise ValueError(f"cannot change {', '.join(sorted(fixed))} of a running sandbox")
        self.options = dataclasses.replace(self.options, **changes)
        self.set_reachable(True)
        # urllib3.request waits 3 s by default; a reset of many regional backends takes longer.
        urllib3.request("POST", self.moto_url + "/moto-api/reset", retries=False, timeout=60)
        self._configure()
        return self

    def _configure(self) -> None:
        assert self._gateway is not None and self._imds is not None and self._trail is not None
        options = self.options
        moto_state.reset_shared_policy_counts()
        self._gateway.reset()
        self._gateway.cloudtrail.delivery_delay = options.cloudtrail_delivery_delay
        self._imds.lifetime = options.host_credential_lifetime
        self._imds.reset()
        self._imds.refuse_token = options.imds_refuse_token
        self.faults.replace(
            {
                "seed": options.seed,
                "latency_ms": options.latency_ms,
                "jitter_ms": options.jitter_ms,
                "throttle": {"*": options.throttle} if options.throttle else {},
            }
        )
        self.trainees = bootstrap.topology(options.trainees)
        self.course_path = write_sample_course(
            self.directory, self.trainees, options.course_name, options.region
        )
        templates = self._role_templates()
        self._admin_roles = deploy(templates.admin, options.region)
        self._trainee_roles = deploy(templates.trainee, options.region)
        bootstrap.bootstrap(
            options.trainees,
            dict(options.before),
            self._admin_roles,
            self._trainee_roles,
            self.admin_account,
        )
        self._trail.clear()

    def _role_templates(self) -> RoleTemplates:
        """The options' role templates; a function is asked again only when the course changed."""
        roles = self.options.roles
        if roles is None or isinstance(roles, RoleTemplates):
            assert roles is not None, "checked by start()"
            return roles
        text = self.course_path.read_text(encoding="utf-8")
        if self._roles_for is None or self._roles_for[:2] != (roles, text):
            self._roles_for = (roles, text, roles(self.course_path))
        return self._roles_for[2]

    # -- what clients need -------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """The variables that make any AWS SDK on this machine act as the EC2 host."""
        return {
            "AWS_ENDPOINT_URL": self.gateway_url,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.imds_url + "/",
            "AWS_DEFAULT_REGION": self.options.region,
            "WHODIDTHIS_COURSE": str(self.course_path),
            "AWS_METADATA_SERVICE_TIMEOUT": "5",
            "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "3",
        }

    def clean_env(self, base: dict[str, str] | os._Environ[str] | None = None) -> dict[str, str]:
        """``base`` (default: os.environ) without stored credentials, plus ``env``.

        Credential variables and profiles are removed and the shared credentials and config
        files point at files that do not exist, so only IMDS can supply credentials.
        """
        env = {
            k: v
            for k, v in (os.environ if base is None else base).items()
            if k not in CREDENTIAL_VARIABLES
        }
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(self.directory / "no-such-credentials")
        env["AWS_CONFIG_FILE"] = str(self.directory / "no-such-config")
        env.update(self.env)
        return env

    def imds_served(self) -> dict[int, int]:
        """IMDS GETs answered since the last reset, by IMDS version (1: no token, 2: token)."""
        assert self._imds is not None
        return dict(self._imds.served)

    def set_reachable(self, reachable: bool) -> None:
        """Make AWS (the gateway) unreachable, or reachable again, at the same URL.

        Unreachable, the gateway's port refuses connections, as an endpoint behind a dropped
        network, a wrong proxy or a missing VPC endpoint does: clients get
        ``EndpointConnectionError``. IMDS, on the host itself, stays up. A reset makes AWS
        reachable again.
        """
        gateway = self._servers[0] if self._servers else None
        if gateway is not None:
            (gateway.accept if reachable else gateway.refuse)()

    def trail(self) -> list[dict]:
        """Every trail record since the last reset, oldest first."""
        return self._trail.records() if self._trail else []

    def issued_secrets(self) -> set[str]:
        """Every secret key, session token and session key id issued so far (for leak scans)."""
        return moto_state.issued_secrets()

    def backdoor_session(self, account: str) -> boto3.Session:
        """A boto3 session acting directly on moto in ``account``: no policies, faults or trail.

        Tests plant decoys and inspect state with it; moto's gaps are filled for it too.
        """
        return _BackdoorSession(self.gateway_url, account, self.options.region)

    def create_ou(self, names: list[str], **options: Any) -> Any:
        """An organization managed by the admin account with an OU holding one new account per
        name (see ``organization.create_ou`` for the options); returns the ``SandboxOu``."""
        from standin.organization import create_ou

        management = self.backdoor_session(self.admin_account)
        assert self._trainee_roles is not None
        return create_ou(
            management,
            names,
            trainee=self._trainee_roles,
            admin_account=self.admin_account,
            **options,
        )

    def account_of(self, name: str) -> str:
        """The account of trainee ``name``."""
        for trainee, account in self.trainees:
            if trainee == name:
                return account
        raise KeyError(f"no trainee called {name!r} in this sandbox")

    def open_ssm_session(self, owner: str, session_id: str | None = None) -> str:
        """Register an Active SSM session of ``owner`` (an IAM ARN) on the sandbox's instance,
        as ``ssm:StartSession`` would; returns its session id (for the worker's arguments)."""
        assert self._gateway is not None
        return self._gateway.ssm_sessions.open(owner, self.instance_id, session_id).SessionId

    def terminate_ssm_session(self, session_id: str) -> None:
        """End an SSM session, as ``ssm:TerminateSession`` would (a CloudTrail record too)."""
        assert self._gateway is not None
        self._gateway.ssm_sessions.terminate(session_id)

    def set_cloudtrail_delivery_delay(self, seconds: float) -> None:
        """Records made from now on show in LookupEvents ``seconds`` later."""
        assert self._gateway is not None
        self._gateway.cloudtrail.delivery_delay = seconds

    def cloudtrail_events(self, account: str | None = None) -> list[dict]:
        """CloudTrail's event JSON of every authenticated request (in ``account``), oldest
        first: what ``cloudtrail:LookupEvents`` answers from."""
        assert self._gateway is not None
        return self._gateway.cloudtrail.events(account)

    def sign_in(self, account: str, user_name: str) -> dict:
        """IAM user ``user_name`` signs in to the console: IAM's PasswordLastUsed is set and
        CloudTrail records a ConsoleLogin (``trainee_activity``); returns that event."""
        assert self._gateway is not None
        return self._gateway.sign_in(account, user_name)

    def user_session(self, account: str, user_name: str, region: str | None = None):
        """A boto3 session acting as IAM user ``user_name`` with a new access key of its own,
        allowed everything by an inline policy (a lab's "do anything" trainee): its calls pass
        the gateway like any caller's and land in CloudTrail as the user's."""
        iam = self.backdoor_session(account).client("iam")
        iam.put_user_policy(
            UserName=user_name,
            PolicyName="lab-anything",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        return _EndpointSession(
            self.gateway_url,
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
            region_name=region or self.options.region,
        )

    def set_trust_policy(self, account: str, role_name: str, document: dict) -> None:
        """Replace a role's trust policy while running."""
        bootstrap.set_trust_policy(account, role_name, document)

    def apply_before_state(self, name: str, state: str) -> None:
        """Put trainee ``name``'s ManageEnvRole into a before-state (``trusted`` fixes it)."""
        assert self._trainee_roles is not None
        bootstrap.apply_state(self.account_of(name), state, self._trainee_roles, self.admin_account)
