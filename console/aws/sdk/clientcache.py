"""One service model and one client class per AWS service for the whole process.

The engine makes one client per service per trainee account (each has its own credentials and
retry budget). For every such client aiobotocore parsed the service model into a fresh
``ServiceModel`` and built a fresh client class with a method per operation (IAM has about 170),
and the first error response of each client (``NoSuchEntity`` from a not-found check) rebuilt
that model's error-code table. A py-spy profile of a 50-trainee build
(``bench/throughput_bench.py``) put a fifth of the engine's CPU there. Neither object holds
credentials or per-client state: the model is read-only and the class only carries the
operation methods, so every client of a service can share them, and their caches stay warm.

Each client also gets a copy of the session's event emitter, and botocore's ``EventAliaser``
copy started with an empty alias cache, so every new client worked out the aliased form of each
event name again (a loop over every alias per name: a tenth of the engine's CPU). The aliased
name depends only on the alias table, which the copy takes over unchanged, so the copies share
the cache.

Endpoint rules go the same way: each client parsed its service's rule set (thousands of
objects for S3) into a fresh ``EndpointProvider``; the provider is a pure function of the rule
set and partition data, so one per service serves every client, with its resolution cache.

Four more costs of every new client were work whose answer never changes within a process,
each measured with py-spy on a 200-trainee build at concurrency 32 (client creation was then a
quarter of the engine's CPU, and the engine's CPU is what limits that build):

- the emitter copy took the whole event tree, though a client only ever emits events named
  after its own service (``before-call.iam.GetUser``): an IAM client copied the 37 S3 handlers
  and those of 25 other services. Each client's copy now holds the handlers its events can
  reach: those of its service, the ``*`` wildcards and the service-less ones (14-41 nodes of
  113; ``_service_emitter``).
- botocore checks that every handler a client registers takes ``**kwargs`` with
  ``inspect.getfullargspec``; the answer is a property of the function, kept per function.
- every endpoint read the proxy settings by walking the whole environment; the answer is
  kept per URL and proxy variables (the key re-reads those variables, so a change is seen).
- the user agent header is built twice for every request, each part sanitised character by
  character; sanitising is a pure function of its text, kept per text, and each client's
  header is kept per set of feature ids (what changes between its requests).

``apply()`` makes aiobotocore's sessions use ``CachingClientCreator`` (shared models,
classes and pruned emitter copies), emitter copies share their alias cache, and the kwargs
check, proxy lookup and user-agent work above go through their caches. The model and class
cache is keyed by the session's loader and event emitter as well, so a session with its own
data path or its own ``creating-client-class`` handlers still gets its own model and class.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import weakref
from typing import Any

import aiobotocore.session
import botocore.endpoint
import botocore.hooks
import botocore.regions
import botocore.useragent
from aiobotocore.client import AioClientCreator
from botocore.context import get_context
from botocore.endpoint_provider import EndpointProvider
from botocore.hooks import EventAliaser, HierarchicalEmitter, _PrefixTrie

_models: dict[tuple, object] = {}
_providers: dict[tuple, tuple[object, object, EndpointProvider]] = {}
_classes: dict[tuple, type] = {}


class CachingClientCreator(AioClientCreator):
    """``AioClientCreator`` that reuses service models and client classes."""

    _event_emitter: Any  # aiobotocore's, and the stand-in while a client's arguments are built

    def _load_service_model(self, service_name, api_version=None):
        key = (self._loader, service_name, api_version)
        model = _models.get(key)
        if model is None:
            model = _models[key] = super()._load_service_model(service_name, api_version)
        return model

    async def _create_client_class(self, service_name, service_model):
        key = (self._event_emitter, service_name, id(service_model))
        cls = _classes.get(key)
        if cls is None:
            cls = _classes[key] = await super()._create_client_class(service_name, service_model)
        return cls

    async def _get_client_args(self, service_model, *args):
        """The client's arguments, its emitter a copy of only the handlers it can reach.

        aiobotocore copies ``self._event_emitter`` for the new client while it builds the
        arguments; for that time the attribute is a stand-in whose copy is the pruned one.
        aiobotocore's session makes a new creator for every client, so nothing else sees it.
        """
        whole = self._event_emitter
        self._event_emitter = _ForService(whole, service_model.service_id.hyphenize())
        try:
            return await super()._get_client_args(service_model, *args)
        finally:
            self._event_emitter = whole


class _ForService:
    """Stands in for a session's emitter; ``copy.copy`` gives ``_service_emitter``'s copy."""

    def __init__(self, emitter, service: str):
        self._emitter, self._service = emitter, service

    def __copy__(self):
        return _service_emitter(self._emitter, self._service)


def _service_emitter(emitter, service: str):
    """A copy of ``emitter`` with only the handlers a client of ``service`` can reach.

    A client's events are named ``<event>.<service>[.<operation>]`` after its own service
    (hyphenated id, the form the alias table maps every registration to), so under each event
    only that service's branch and the ``*`` wildcard can match. Handlers on an event itself
    (``before-send``) stay; ``docs.*`` events, named differently, are copied whole. Anything
    but botocore's own emitter and trie, or a service name the alias table would rewrite, gets
    the ordinary full copy.
    """
    inner = getattr(emitter, "_emitter", None)
    if (
        type(emitter) is not EventAliaser
        or not isinstance(inner, HierarchicalEmitter)
        or type(inner._handlers) is not _PrefixTrie
        or _renamed(service, emitter._event_aliases)
    ):
        return copy.copy(emitter)
    trie = inner._handlers
    root = trie._root
    view = {
        **root,
        "children": {
            name: event
            if name == "docs"
            else {
                **event,
                "children": {
                    key: node for key, node in event["children"].items() if key in (service, "*")
                },
            }
            for name, event in root["children"].items()
        },
    }
    pruned = _PrefixTrie()
    pruned.__dict__ = trie._recursive_copy({**trie.__dict__, "_root": view})
    duplicate = inner.__class__()
    duplicate.__dict__ = {
        **inner.__dict__,
        "_handlers": pruned,
        "_lookup_cache": {},
        "_unique_id_handlers": copy.copy(inner._unique_id_handlers),
    }
    return _aliaser_around(emitter, duplicate)


def _copy_sharing_aliases(self: EventAliaser) -> EventAliaser:
    """``EventAliaser.__copy__`` whose copy shares the alias cache (same alias table)."""
    return _aliaser_around(self, copy.copy(self._emitter))


def _aliaser_around(aliaser: EventAliaser, emitter) -> EventAliaser:
    """A copy of ``aliaser`` over ``emitter`` (a copy of its emitter), sharing its alias cache."""
    duplicate = aliaser.__class__(emitter, copy.copy(aliaser._event_aliases))
    duplicate._alias_name_cache = aliaser._alias_name_cache
    return duplicate


def _shared_provider(ruleset_data, partition_data, excluded_params=None) -> EndpointProvider:
    """One ``EndpointProvider`` per (rule set, partitions, excluded parameters); the loader
    hands every client of a service the same data objects, and the entry keeps them alive so
    their ids stay theirs."""
    key = (id(ruleset_data), id(partition_data), frozenset(excluded_params or ()))
    found = _providers.get(key)
    if found is None:
        provider = EndpointProvider(ruleset_data, partition_data, excluded_params)
        found = _providers[key] = (ruleset_data, partition_data, provider)
    return found[2]


_renames: dict[tuple[str, int], tuple[dict, bool]] = {}


def _renamed(service: str, aliases: dict) -> bool:
    """Whether the alias table rewrites ``service`` in event names; kept per service and
    table (the entry keeps the table alive, so its id stays its own)."""
    found = _renames.get((service, id(aliases)))
    if found is None:
        rewrites = any(service in alias.split(".") for alias in aliases)
        found = _renames[(service, id(aliases))] = (aliases, rewrites)
    return found[1]


_takes_kwargs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _accepts_kwargs(func) -> bool:
    """botocore's ``accepts_kwargs``, kept per function: a bound method's, a partial's or a
    callable object's is the answer of the function underneath (``_kwargs_owner``).

    It is kept per code object, not per function object: the ledger's and the retry voice's
    hooks are closures made anew for every client, and botocore's answer (``getfullargspec``,
    which follows no wrapper) for a function is its code's ``**kwargs`` flag, unless the
    function carries its own ``__signature__`` (then it is kept per function). A py-spy
    profile of a 400-trainee build put 1.6% of the engine's CPU in those checks."""
    target = _kwargs_owner(func)
    if target is None:
        return bool(_sdk_accepts_kwargs(func))  # anything else: asked every time
    key = target if _SIGNED_BY_HAND & target.__dict__.keys() else target.__code__
    answer = _takes_kwargs.get(key)
    if answer is None:
        answer = _takes_kwargs[key] = bool(_sdk_accepts_kwargs(func))
    return answer


#: What makes ``inspect`` answer for a function otherwise than from its code.
_SIGNED_BY_HAND = frozenset({"__signature__", "_partialmethod"})


def _kwargs_owner(func):
    """The plain function whose signature says whether ``func`` takes ``**kwargs``, or None.

    A partial binds arguments but never removes ``**kwargs``; a callable object's signature is
    its class's ``__call__`` (botocore registers both for every client: a py-spy profile of a
    300-trainee build put 2.4% of the engine's CPU in ``getfullargspec`` for them). An object
    that sets its own ``__signature__`` may say anything, so it is not kept."""
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.ismethod(func):
        func = func.__func__
    if inspect.isfunction(func):
        return func
    if "__signature__" in getattr(func, "__dict__", ()):
        return None
    call = inspect.getattr_static(type(func), "__call__", None)
    return call if inspect.isfunction(call) else None


# Every variable urllib's proxy lookup reads for an http(s) URL on this platform.
_PROXY_VARIABLES = tuple(
    name
    for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for name in (base, base.upper())
)
_proxies: dict[tuple, dict] = {}


def _environ_proxies(url: str) -> dict:
    """botocore's ``get_environ_proxies`` per URL and proxy settings (a copy each time)."""
    key = (
        url,
        os.environ.get("REQUEST_METHOD"),
        *(os.environ.get(name) for name in _PROXY_VARIABLES),
    )
    found = _proxies.get(key)
    if found is None:
        found = _proxies[key] = _sdk_environ_proxies(url)
    return dict(found)


_ua_strings: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _user_agent(self) -> str:
    """``UserAgentString.to_string`` kept per object, client config and feature ids.

    The string is a function of the object's session and client settings (fixed once a client
    has it) and of the feature ids of the client and of the request's context, which the key
    reads afresh every time."""
    context = get_context()
    key = (
        frozenset(self._client_features or ()),
        frozenset(context.features) if context is not None else frozenset(),
        id(self._client_config),
        self._session_user_agent_name,
        self._session_user_agent_version,
        self._session_user_agent_extra,
    )
    strings = _ua_strings.get(self)
    if strings is None:
        strings = _ua_strings[self] = {}
    found = strings.get(key)
    if found is None:
        found = strings[key] = _sdk_user_agent(self)
    return found


_sdk_user_agent = botocore.useragent.UserAgentString.to_string
_sdk_accepts_kwargs = botocore.hooks.accepts_kwargs
_sdk_environ_proxies = botocore.endpoint.get_environ_proxies
_sanitize = functools.lru_cache(maxsize=4096)(
    botocore.useragent.sanitize_user_agent_string_component
)


def apply() -> None:
    """Make every aiobotocore session in this process create clients through the caches.

    Process-wide: only ``console.aws.sdk.install`` calls it, from the engine."""
    aiobotocore.session.AioClientCreator = CachingClientCreator
    # Patches, by design: the stubs type what is replaced, not that it may be.
    EventAliaser.__copy__ = _copy_sharing_aliases  # type: ignore[method-assign, assignment]
    botocore.regions.EndpointProvider = _shared_provider
    botocore.hooks.accepts_kwargs = _accepts_kwargs  # type: ignore[assignment]
    botocore.endpoint.get_environ_proxies = _environ_proxies
    botocore.useragent.sanitize_user_agent_string_component = _sanitize
    botocore.useragent.UserAgentString.to_string = _user_agent  # type: ignore[method-assign]
