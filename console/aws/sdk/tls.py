"""One verified TLS context and one connection pool for every aiobotocore client in the process.

aiobotocore gives each client its own connection pool, built on the client's first request with
a fresh ``ssl.SSLContext`` into which it loads the CA bundle: 16 ms of CPU per client on this
machine (``python -c`` loop over ``AIOHTTPSession._build_ssl_contexts``). The engine makes one
client per service per trainee account, so a 200-trainee build re-read the same certificates
1,400 times, and every client opened (and, against AWS, TLS-handshook) its own connections to
the same endpoints.

Neither needs to be per client: credentials live in each request's signature, not in the
connection, and an ``SSLContext`` is made to be shared (aiohttp keeps one module-wide default).
So ``SharedTLSSession`` builds the verifying context once per CA bundle and gives every client
in an event loop the same keep-alive pool; the pool closes when its last client does. Client
certificates and proxies keep aiobotocore's own per-client path, since they change the context.
"""

from __future__ import annotations

import asyncio
import ssl
import threading

import aiohttp
from aiobotocore.httpsession import AIOHTTPSession, _ProxySSLTCPConnector
from botocore.httpsession import get_cert_path

#: Connections the shared pool may hold open at once (aiobotocore's per-client default is 10;
#: the engine runs up to a course's concurrency of trainees, each one call at a time).
SHARED_POOL_LIMIT = 256

_lock = threading.Lock()
_contexts: dict[str, ssl.SSLContext] = {}
_pools: dict[tuple, _ProxySSLTCPConnector] = {}
_users: dict[_ProxySSLTCPConnector, int] = {}


class SharedTLSSession(AIOHTTPSession):
    """``AIOHTTPSession`` sharing its TLS context and its connection pool with its peers."""

    def _shareable(self, proxy_url) -> bool:
        return not proxy_url and not self._cert_file

    def _build_ssl_contexts(self, proxy_url):
        if not self._shareable(proxy_url) or not self._verify:
            return super()._build_ssl_contexts(proxy_url)
        key = str(get_cert_path(self._verify))
        with _lock:  # aiobotocore calls this from worker threads
            context = _contexts.get(key)
            if context is None:
                context = _contexts[key] = self._build_verify_context()
        return context, None

    async def _get_session(self, proxy_url):
        if not self._shareable(proxy_url):
            return await super()._get_session(proxy_url)
        if not (session := self._sessions.get(proxy_url)):
            async with self._sessions_lock:
                if not (session := self._sessions.get(proxy_url)):
                    pool = await self._pool()
                    self._exit_stack.push_async_callback(_release, pool)
                    session = await self._exit_stack.enter_async_context(
                        aiohttp.ClientSession(
                            connector=pool,
                            connector_owner=False,
                            timeout=self._timeout,
                            skip_auto_headers={"CONTENT-TYPE"},
                            auto_decompress=False,
                        )
                    )
                    self._sessions[proxy_url] = session
        return session

    async def _pool(self) -> _ProxySSLTCPConnector:
        """This loop's pool for clients with these TLS settings; counts this client in."""
        loop = asyncio.get_running_loop()
        key = (
            loop,
            bool(self._verify),
            str(get_cert_path(self._verify)),
            tuple(sorted(self._connector_args.items())),
        )
        pool = _pools.get(key)
        if pool is None or pool.closed:
            context, _ = await asyncio.to_thread(self._build_ssl_contexts, None)
            pool = _pools.get(key)  # another client may have made it meanwhile
            if pool is None or pool.closed:
                pool = _pools[key] = _ProxySSLTCPConnector(
                    limit=SHARED_POOL_LIMIT, ssl=context, **self._connector_args
                )
        _users[pool] = _users.get(pool, 0) + 1
        return pool


async def _release(pool: _ProxySSLTCPConnector) -> None:
    """A client is done with ``pool``: the last one out closes it."""
    _users[pool] -= 1
    if _users[pool] == 0:
        del _users[pool]
        for key in [k for k, v in _pools.items() if v is pool]:
            del _pools[key]
        await pool.close()
