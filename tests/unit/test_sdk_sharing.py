"""What every trainee's clients share: one TLS context, one service model and class per service.

Nothing here holds credentials; the tests pin that sharing happens and that what must stay
per client (credentials, event hooks) still does.
"""

import functools
import inspect
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from aiobotocore.session import AioSession

from console.aws import sdk
from console.aws.config import aio_client_config
from console.aws.sdk import clientcache
from console.aws.sdk.tls import SharedTLSSession


def test_verifying_sessions_share_one_context_and_it_verifies():
    first, _ = SharedTLSSession()._build_ssl_contexts(None)
    second, _ = SharedTLSSession()._build_ssl_contexts(None)
    assert first is second
    assert first.verify_mode == ssl.CERT_REQUIRED and first.check_hostname
    assert first.cert_store_stats()["x509_ca"] > 0  # the CA bundle is loaded


def test_unverified_and_proxied_sessions_keep_their_own_context():
    shared, _ = SharedTLSSession()._build_ssl_contexts(None)
    unverified, _ = SharedTLSSession(verify=False)._build_ssl_contexts(None)
    assert unverified is not shared and unverified.verify_mode == ssl.CERT_NONE
    proxied, proxy_context = SharedTLSSession()._build_ssl_contexts("http://proxy.example:3128")
    assert proxied is not shared and proxy_context is not None


def test_our_client_config_uses_the_shared_session_class():
    assert aio_client_config(None).http_session_cls is SharedTLSSession


@pytest.fixture
def session(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")  # only a local client object is built
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    sdk.install()
    return AioSession()


async def test_clients_of_one_service_share_model_and_class_not_hooks(session):
    config = aio_client_config(None)
    async with (
        session.create_client("iam", region_name="us-east-1", config=config) as one,
        session.create_client("iam", region_name="us-east-1", config=config) as two,
        session.create_client("s3", region_name="us-east-1", config=config) as s3,
    ):
        assert type(one) is type(two)
        assert one.meta.service_model is two.meta.service_model
        assert one._ruleset_resolver._provider is two._ruleset_resolver._provider
        assert s3._ruleset_resolver._provider is not one._ruleset_resolver._provider
        assert type(s3) is not type(one)
        assert one.meta.events is not two.meta.events  # per-client hooks stay per client
        assert hasattr(s3, "generate_presigned_url")  # class-creation handlers still ran
        # Each client's emitter is its own copy, but the alias cache (a function of the
        # alias table they all copy) is shared, so no client works the aliases out again.
        assert one.meta.events._alias_name_cache is two.meta.events._alias_name_cache
        assert (
            one.meta.events._event_aliases == session.get_component("event_emitter")._event_aliases
        )


def test_detached_engine_niceness_setting():
    """The increment comes from WHODIDTHIS_ENGINE_NICE, defaults to 19, and a bad value falls
    back to the default (in a child: niceness cannot be undone)."""
    code = (
        "import os, sys; from console.engine.process import _step_back; "
        "_step_back(sys.argv[1] or None); print(os.nice(0))"
    )
    base = os.nice(0)
    for setting, expected in (("", 19), ("3", 3), ("0", 0), ("lots", 19), ("99", 19), ("10", 10)):
        out = subprocess.run(
            [sys.executable, "-c", code, setting], capture_output=True, text=True, check=True
        ).stdout
        assert int(out) == min(19, base + expected), setting


def test_the_detached_engine_steps_back_its_session_too():
    """Where Linux schedules by session (autogroups), a nice value only ranks a process within
    its session: the detached engine (a session leader) lowers its session's group as well;
    a process in someone else's session (here, the tests') never touches theirs. Without
    autogroups the plain nice is all there is, and stepping back still works.

    ``/proc/self/autogroup`` reads empty for a task in the default autogroup, the one no
    ``setsid`` since boot has left (the kernel shows only a task's non-default autogroup:
    ``proc_sched_autogroup_show_task``). That is the tests' case on CI, whose container never
    makes a session; a new session still gets an autogroup of its own there, and the engine's
    step-back reaches it."""
    group = Path("/proc/self/autogroup")
    code = (
        "import os; from pathlib import Path; from console.engine.process import _step_back; "
        "_step_back('7'); g = Path('/proc/self/autogroup'); "
        "print(os.nice(0), ((g.read_text().split() if g.exists() else []) or ['none'])[-1])"
    )
    before = group.read_text().strip() if group.exists() else None
    leader = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        start_new_session=True,
    )  # fmt: skip
    member = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    nice = str(min(19, os.nice(0) + 7))
    if before is None:  # a kernel without autogroups: the plain nice is the whole story
        assert leader.stdout.split() == member.stdout.split() == [nice, "none"]
        return
    assert leader.stdout.split() == [nice, "7"]  # its own session's group, made by setsid
    # The tests' session, named or the default one (empty): untouched.
    assert member.stdout.split() == [nice, (before.split() or ["none"])[-1]]
    assert group.read_text().strip() == before


def test_the_engine_session_has_every_builtin_handler_but_the_documentation_ones():
    from botocore import handlers

    from console.aws.sdk.session import engine_session

    def handlers_of(session):
        emitter = session.get_component("event_emitter")._emitter
        return {
            (name, handler)
            for name, handler, *_ in handlers.BUILTIN_HANDLERS
            if handler in list(emitter._handlers.prefix_search(name))
        }

    full, engine = handlers_of(AioSession()), handlers_of(engine_session())
    assert {name for name, _ in full - engine} and all(
        name.startswith("docs.") for name, _ in full - engine
    )
    assert not any(name.startswith("docs.") for name, _ in engine)
    assert {spec for spec in full if not spec[0].startswith("docs.")} == engine


async def test_clients_share_one_connection_pool_which_closes_with_the_last(sandbox):
    """Over HTTP to the sandbox: two clients (two services) use one keep-alive pool."""
    session = AioSession()
    config = aio_client_config(None)
    async with session.create_client("sts", config=config) as sts:
        async with session.create_client("iam", config=config) as iam:
            assert (await sts.get_caller_identity())["Arn"]
            await iam.list_roles()
            pools = {
                client._endpoint.http_session._sessions[None].connector for client in (sts, iam)
            }
            assert len(pools) == 1
            pool = pools.pop()
        assert not pool.closed  # sts still uses it
    assert pool.closed


def test_a_clients_event_tree_holds_what_its_own_events_reach_and_no_other_service():
    """The pruned copy answers every event a client of that service can emit exactly as the
    whole tree does, and leaves out the branches of other services."""
    import copy

    from botocore.session import get_session

    from console.aws.sdk.session import engine_session

    emitter = engine_session().get_component("event_emitter")
    events = (
        "before-parameter-build",
        "provide-client-params",
        "before-call",
        "after-call",
        "after-call-error",
        "needs-retry",
        "request-created",
        "choose-signer",
        "before-sign",
        "before-send",
        "response-received",
        "before-endpoint-resolution",
        "getattr",
        "waiter-created",
    )
    for service in ("iam", "s3", "sts", "cloudformation", "eks", "codecommit"):
        whole = copy.copy(emitter)._emitter._handlers
        pruned = clientcache._service_emitter(emitter, service)._emitter._handlers
        model = get_session().get_service_model(service)
        for event in events:
            for tail in ("", *(f".{op}" for op in model.operation_names)):
                name = f"{event}.{service}{tail}"
                assert list(pruned.prefix_search(name)) == list(whole.prefix_search(name)), name
        assert "s3" not in pruned._root["children"]["before-call"]["children"] or service == "s3"
    iam_nodes = _nodes(clientcache._service_emitter(emitter, "iam")._emitter._handlers._root)
    assert iam_nodes < _nodes(emitter._emitter._handlers._root) / 4


def _nodes(node) -> int:
    return 1 + sum(_nodes(child) for child in node["children"].values())


def test_a_service_the_alias_table_renames_gets_the_whole_tree():
    from botocore.session import get_session

    emitter = get_session().get_component("event_emitter")
    copied = clientcache._service_emitter(emitter, "sagemaker")  # "api.sagemaker" is an alias
    assert _nodes(copied._emitter._handlers._root) == _nodes(emitter._emitter._handlers._root)


async def test_handlers_still_must_take_kwargs_and_the_answer_is_kept_per_function(session):
    config = aio_client_config(None)

    def no_kwargs(params):
        return None

    class Hooks:
        def fine(self, **kwargs):
            return None

    async with session.create_client("iam", region_name="us-east-1", config=config) as iam:
        with pytest.raises(ValueError, match="kwargs"):
            iam.meta.events.register("before-call.iam", no_kwargs)
        iam.meta.events.register("before-call.iam", Hooks().fine)
        iam.meta.events.register("before-call.iam", Hooks().fine)
    assert clientcache._takes_kwargs[Hooks.fine.__code__] is True  # one for every instance
    assert clientcache._takes_kwargs[no_kwargs.__code__] is False


async def test_closures_made_for_every_client_are_checked_once(session, monkeypatch):
    """The ledger hooks are closures made anew per client: one check for all of them."""
    asked = []
    monkeypatch.setattr(clientcache, "_sdk_accepts_kwargs", lambda func: asked.append(func) or True)

    def made(n):
        def hook(**kwargs):
            return n

        return hook

    async with session.create_client("iam", region_name="us-east-1", config=None) as iam:
        asked.clear()  # what the client's creation registered
        for n in range(3):
            iam.meta.events.register("before-call.iam", made(n))
    assert [func.__code__ for func in asked] == [made(0).__code__]


async def test_partials_and_callable_objects_are_checked_once_by_the_function_underneath(session):
    config = aio_client_config(None)

    def takes(name, **kwargs):
        return None

    def refuses(name, params):
        return None

    class Handler:
        def __call__(self, **kwargs):
            return None

    async with session.create_client("iam", region_name="us-east-1", config=config) as iam:
        with pytest.raises(ValueError, match="kwargs"):
            iam.meta.events.register("before-call.iam", functools.partial(refuses, "a"))
        iam.meta.events.register("before-call.iam", functools.partial(takes, "a"))
        iam.meta.events.register("before-call.iam", functools.partial(takes, "b"))
        iam.meta.events.register("before-call.iam", Handler())
    assert clientcache._takes_kwargs[takes.__code__] is True  # every partial of it: one entry
    assert clientcache._takes_kwargs[refuses.__code__] is False
    assert clientcache._takes_kwargs[Handler.__call__.__code__] is True


def test_an_object_with_its_own_signature_is_asked_every_time():
    class Odd:
        def __call__(self, **kwargs):
            return None

    odd = Odd()
    odd.__signature__ = inspect.signature(lambda params: None)
    assert clientcache._kwargs_owner(odd) is None
    assert not clientcache._accepts_kwargs(odd)  # botocore answers None for "no"


def test_proxy_settings_are_kept_per_url_and_a_changed_setting_is_seen(monkeypatch):
    sdk.install()
    import botocore.endpoint

    for name in clientcache._PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    url = "https://iam.amazonaws.com"
    assert botocore.endpoint.get_environ_proxies(url) == {}
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert botocore.endpoint.get_environ_proxies(url)["https"] == "http://proxy.example:3128"
    monkeypatch.setenv("NO_PROXY", "amazonaws.com")
    assert botocore.endpoint.get_environ_proxies(url) == {}
    assert botocore.endpoint.get_environ_proxies("https://example.org")["https"]


def test_user_agent_parts_are_sanitised_as_botocore_does():
    sdk.install()
    import botocore.useragent

    sanitise = botocore.useragent.sanitize_user_agent_string_component
    assert sanitise is clientcache._sanitize
    assert sanitise("a b/c#d", False) == "a-b-c-d" and sanitise("a b/c#d", True) == "a-b-c#d"


def test_the_engine_session_parses_aws_timestamps_as_botocore_does():
    from botocore.utils import parse_timestamp

    from console.aws.sdk.session import aws_timestamp, engine_session

    for value in (
        "2026-11-30T03:20:21.123Z",
        "2026-11-30T03:20:21Z",
        "2026-11-30T03:20:21",
        "2026-11-30T03:20:21+02:00",
        "1700000000",
        1700000000,
        "Mon, 30 Nov 2026 03:20:21 GMT",
        "2026-11-30T03:20:21.123456789Z",
    ):
        assert aws_timestamp(value) == parse_timestamp(value), value
    with pytest.raises(ValueError):
        aws_timestamp("not a time")
    factory = engine_session().get_component("response_parser_factory")
    assert factory.create_parser("query")._timestamp_parser is aws_timestamp


def test_the_engine_sessions_scoped_config_follows_the_profile_setting(tmp_path, monkeypatch):
    from botocore.exceptions import ProfileNotFound

    from console.aws.sdk.session import engine_session

    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n[profile other]\nregion = us-west-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    session = engine_session()
    assert session.get_scoped_config()["region"] == "eu-west-1"
    session.set_config_variable("profile", "other")
    assert session.get_scoped_config()["region"] == "us-west-2"
    session.set_config_variable("profile", "missing")
    with pytest.raises(ProfileNotFound):
        session.get_scoped_config()


def test_a_clients_user_agent_is_kept_per_feature_set_and_matches_botocores():
    from botocore.config import Config
    from botocore.context import start_as_current_context
    from botocore.useragent import UserAgentString, register_feature_id

    sdk.install()
    base = UserAgentString.from_environment()
    client = base.with_client_config(Config(retries={"mode": "adaptive"}))
    plain = client.to_string()
    assert plain == clientcache._sdk_user_agent(client) and plain is client.to_string()
    assert "cfg/retry-mode#adaptive" in plain and plain != base.to_string()
    with start_as_current_context():
        register_feature_id("WAITER")
        waiting = client.to_string()
        assert waiting == clientcache._sdk_user_agent(client) and waiting != plain
    client.set_client_features({"PAGINATOR"})
    assert client.to_string() == clientcache._sdk_user_agent(client) != plain
