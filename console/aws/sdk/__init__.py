"""Every use of botocore's, aiobotocore's and aiohttp's private names, behind one door.

The speed-ups of the engine reach into those libraries; nothing outside this package does
(``tests/unit/test_private_doors.py`` reads every module to keep it so). Two kinds live here,
each with its measured reason in ``docs/sdk-patches.md``:

* process-wide patches (``clientcache``): they change botocore and aiobotocore for every
  session in the process, so only :func:`install` applies them, and only headless processes
  that make clients for every trainee call it: the engine (``console.engine.process.run_engine``,
  for the detached engine and the foreground ``apply``/``retry``/``teardown``), the ``preflight``
  command and ``teardown``'s plan without ``--yes``. A console never installs them, even when it
  opens a plan or a preflight;
* per-object ones, which act only on objects the product builds with them: the HTTP session
  class of our client config (``tls``), the engine's session class and the way assumed-role
  credentials meet a session (``session``).

``PRIVATE_NAMES`` lists, per patch, the names it depends on (``module:attribute.path``; an
attribute a class only sets on ``self`` counts). ``tests/unit/test_sdk_compat.py`` fails naming
the patch when the installed library no longer has one, and the door test fails when a module
here touches a private name missing from this table. ``pyproject.toml`` bounds the versions
they were checked against (aiobotocore's exact pin bounds botocore).

Importing this package loads no SDK.
"""

from __future__ import annotations

PRIVATE_NAMES: dict[str, tuple[str, ...]] = {
    "clientcache.CachingClientCreator: one service model and client class per service": (
        "aiobotocore.session:AioClientCreator",
        "aiobotocore.client:AioClientCreator._load_service_model",
        "aiobotocore.client:AioClientCreator._create_client_class",
        "aiobotocore.client:AioClientCreator._get_client_args",
        "aiobotocore.client:AioClientCreator._loader",
        "aiobotocore.client:AioClientCreator._event_emitter",
    ),
    "clientcache._service_emitter: a client copies only the handlers its events reach": (
        "botocore.hooks:EventAliaser._emitter",
        "botocore.hooks:EventAliaser._event_aliases",
        "botocore.hooks:HierarchicalEmitter._handlers",
        "botocore.hooks:HierarchicalEmitter._lookup_cache",
        "botocore.hooks:HierarchicalEmitter._unique_id_handlers",
        "botocore.hooks:_PrefixTrie",
        "botocore.hooks:_PrefixTrie._root",
        "botocore.hooks:_PrefixTrie._recursive_copy",
    ),
    "clientcache._copy_sharing_aliases: emitter copies share the alias cache": (
        "botocore.hooks:EventAliaser.__copy__",
        "botocore.hooks:EventAliaser._emitter",
        "botocore.hooks:EventAliaser._event_aliases",
        "botocore.hooks:EventAliaser._alias_name_cache",
    ),
    "clientcache._shared_provider: one EndpointProvider per rule set": (
        "botocore.regions:EndpointProvider",
    ),
    "clientcache._accepts_kwargs: the handler kwargs check kept per function": (
        "botocore.hooks:accepts_kwargs",
    ),
    "clientcache._environ_proxies: proxy settings kept per URL and proxy variables": (
        "botocore.endpoint:get_environ_proxies",
    ),
    "clientcache._sanitize: user-agent parts sanitised once per text": (
        "botocore.useragent:sanitize_user_agent_string_component",
    ),
    "clientcache._user_agent: a client's user agent kept per feature set": (
        "botocore.useragent:UserAgentString.to_string",
        "botocore.useragent:UserAgentString._client_features",
        "botocore.useragent:UserAgentString._client_config",
        "botocore.useragent:UserAgentString._session_user_agent_name",
        "botocore.useragent:UserAgentString._session_user_agent_version",
        "botocore.useragent:UserAgentString._session_user_agent_extra",
    ),
    "tls.SharedTLSSession: one TLS context and one connection pool per event loop": (
        "aiobotocore.httpsession:_ProxySSLTCPConnector",
        "aiobotocore.httpsession:AIOHTTPSession._build_ssl_contexts",
        "aiobotocore.httpsession:AIOHTTPSession._build_verify_context",
        "aiobotocore.httpsession:AIOHTTPSession._get_session",
        "aiobotocore.httpsession:AIOHTTPSession._cert_file",
        "aiobotocore.httpsession:AIOHTTPSession._verify",
        "aiobotocore.httpsession:AIOHTTPSession._sessions",
        "aiobotocore.httpsession:AIOHTTPSession._sessions_lock",
        "aiobotocore.httpsession:AIOHTTPSession._exit_stack",
        "aiobotocore.httpsession:AIOHTTPSession._timeout",
        "aiobotocore.httpsession:AIOHTTPSession._connector_args",
        "aiohttp:ClientSession",
    ),
    "session.engine_session: botocore's built-in handlers less the docs.* ones": (
        "aiobotocore.session:AioSession._register_builtin_handlers",
        "aiobotocore.session:AioSession._events",
        "botocore.handlers:BUILTIN_HANDLERS",
        "botocore.handlers:REGISTER_FIRST",
        "botocore.handlers:REGISTER_LAST",
    ),
    "session.acting_with: a trainee's session is the host's with its own credentials": (
        "aiobotocore.session:AioSession._credentials",
    ),
    "session.expiry_of: when the host's credentials expire": (
        "botocore.credentials:RefreshableCredentials._expiry_time",
    ),
}

_installed = False


def install() -> None:
    """Apply the process-wide patches (idempotent): the engine's and the headless commands' call,
    never a console's."""
    global _installed
    if not _installed:
        from console.aws.sdk import clientcache

        clientcache.apply()
        _installed = True


def installed() -> bool:
    """Whether this process has the process-wide patches (a console never does)."""
    return _installed
