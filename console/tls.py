"""One verified TLS context for every aiobotocore client in the process.

aiobotocore builds a fresh ``ssl.SSLContext`` for each client's first request and loads the CA
bundle into it: 16 ms of CPU per client on this machine (``python -c`` loop over
``AIOHTTPSession._build_ssl_contexts``), and the engine makes one client per service per trainee
account, so a 200-trainee build spent some 20 s of CPU re-reading the same certificates. An
``SSLContext`` is made to be shared by many connections (aiohttp itself keeps one module-wide
default), so this session class builds the verifying context once per CA bundle and hands the
same one to every connector. Client certificates and proxies keep aiobotocore's own per-client
path, since those mutate the context.
"""

from __future__ import annotations

import ssl
import threading

from aiobotocore.httpsession import AIOHTTPSession
from botocore.httpsession import get_cert_path

_lock = threading.Lock()
_contexts: dict[str, ssl.SSLContext] = {}


class SharedTLSSession(AIOHTTPSession):
    """``AIOHTTPSession`` whose verifying TLS context is built once per CA bundle."""

    def _build_ssl_contexts(self, proxy_url):
        if proxy_url or self._cert_file or not self._verify:
            return super()._build_ssl_contexts(proxy_url)
        key = str(get_cert_path(self._verify))
        with _lock:  # runs in aiobotocore's worker threads
            context = _contexts.get(key)
            if context is None:
                context = _contexts[key] = self._build_verify_context()
        return context, None
