"""One service model and one client class per AWS service for the whole process.

The engine makes one client per service per trainee account (each has its own credentials and
retry budget). For every such client aiobotocore parsed the service model into a fresh
``ServiceModel`` and built a fresh client class with a method per operation (IAM has about 170),
and the first error response of each client (``NoSuchEntity`` from a not-found check) rebuilt
that model's error-code table. A py-spy profile of a 50-trainee build
(``bench/throughput_bench.py``) put a fifth of the engine's CPU there. Neither object holds
credentials or per-client state: the model is read-only and the class only carries the
operation methods, so every client of a service can share them, and their caches stay warm.

``install()`` makes aiobotocore's sessions use ``CachingClientCreator``. The cache is keyed by
the session's loader and event emitter as well, so a session with its own data path or its own
``creating-client-class`` handlers still gets its own model and class.
"""

from __future__ import annotations

import aiobotocore.session
from aiobotocore.client import AioClientCreator

_models: dict[tuple, object] = {}
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


def install() -> None:
    """Make every aiobotocore session in this process create clients through the cache."""
    aiobotocore.session.AioClientCreator = CachingClientCreator
