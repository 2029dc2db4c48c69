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

``install()`` makes aiobotocore's sessions use ``CachingClientCreator`` and emitter copies share
their alias cache. The model and class cache is keyed by the session's loader and event emitter
as well, so a session with its own data path or its own ``creating-client-class`` handlers still
gets its own model and class.
"""

from __future__ import annotations

import copy

import aiobotocore.session
import botocore.regions
from aiobotocore.client import AioClientCreator
from botocore.endpoint_provider import EndpointProvider
from botocore.hooks import EventAliaser

_models: dict[tuple, object] = {}
_providers: dict[tuple, tuple[object, object, EndpointProvider]] = {}
_classes: dict[tuple, type] = {}


class CachingClientCreator(AioClientCreator):
    """``AioClientCreator`` that reuses service models and client classes."""

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


def _copy_sharing_aliases(self: EventAliaser) -> EventAliaser:
    """``EventAliaser.__copy__`` whose copy shares the alias cache (same alias table)."""
    duplicate = self.__class__(copy.copy(self._emitter), copy.copy(self._event_aliases))
    duplicate._alias_name_cache = self._alias_name_cache
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


def install() -> None:
    """Make every aiobotocore session in this process create clients through the caches."""
    aiobotocore.session.AioClientCreator = CachingClientCreator
    EventAliaser.__copy__ = _copy_sharing_aliases
    botocore.regions.EndpointProvider = _shared_provider
