"""The engine's session class, and where credentials meet a botocore session.

These touch only the sessions the product builds with them, never botocore's classes:

* ``engine_session`` is the host's aiobotocore session for the engine, the plan and preflight:
  it registers botocore's built-in handlers less the ``docs.*`` ones, works out the scoped
  config once per profile setting, and parses AWS's ISO 8601 timestamps on a fast path.
* ``acting_with`` / ``credentials_of``: a trainee's session is a shallow copy of the host's
  with its own (refreshable, in-memory) credentials. botocore has no public setter for a
  session's credentials object, and aiobotocore's getter is a coroutine that may resolve them.
* ``expiry_of``: when botocore's credentials object says it expires (``whoami``).
* ``utc_now``: the assumed-role credentials' clock.

Nothing here imports botocore at module level: ``whoami`` and the console import this module
and pay for botocore only when they use it.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime


def acting_with(host_session, credentials):
    """A session that acts with ``credentials`` and shares everything else with the host.

    A fresh AioSession registers ~120 builtin handlers and parses service models again:
    about 15 ms of CPU plus a second of model loading per trainee (measured: a 12-trainee
    apply went from 19.3 s to 6.3 s by sharing). A shallow copy shares the host's loader,
    event emitter and config; each client copies the emitter, so hooks stay per client.
    This is the one place refreshable credentials meet a session.
    """
    session = copy.copy(host_session)
    session._credentials = credentials
    return session


def credentials_of(session):
    """The credentials object a session acts with (``acting_with``'s), without resolving."""
    return session._credentials


def expiry_of(credentials) -> datetime | None:
    """When botocore's (refreshable) credentials expire; None for keys that do not."""
    return getattr(credentials, "_expiry_time", None)


def engine_session():
    """The host's aiobotocore session, without botocore's documentation handlers.

    botocore registers 30 ``docs.*`` handlers that only shape generated docstrings; they make
    up 74 of the 187 nodes of the event tree that every new client copies (a tenth of the
    engine's CPU went to those copies, measured with py-spy on a 200-trainee build). The
    engine never renders documentation, so its session leaves them out.
    """
    from aiobotocore.session import AioSession

    class EngineSession(AioSession):
        _scoped_config = None

        def _register_builtin_handlers(self, events):
            """botocore's own loop over its built-in handlers, less the ``docs.*`` ones."""
            from botocore import handlers

            for event_name, handler, *how in handlers.BUILTIN_HANDLERS:
                if event_name.startswith("docs."):
                    continue
                if not how:
                    self.register(event_name, handler)
                elif how[0] is handlers.REGISTER_FIRST:
                    self._events.register_first(event_name, handler)
                elif how[0] is handlers.REGISTER_LAST:
                    self._events.register_last(event_name, handler)

        def get_scoped_config(self):
            """botocore's answer, worked out once per profile setting.

            botocore reads it for every configuration variable of every new client (a fifth of
            a client's creation, py-spy): each time it resolves the profile name through the
            environment again, though the config file is read once and nothing in the engine
            changes the profile. ``set_config_variable`` forgets it.
            """
            if self._scoped_config is None:
                self._scoped_config = super().get_scoped_config()
            return self._scoped_config

        def set_config_variable(self, logical_name, value):
            self._scoped_config = None
            super().set_config_variable(logical_name, value)

    session = EngineSession()
    session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=aws_timestamp
    )
    return session


def aws_timestamp(value):
    """botocore's timestamp parser with a fast path for the ISO 8601 form AWS answers with.

    ``2026-11-30T03:20:21.123Z`` went through ``dateutil.parser`` (3% of the engine's CPU per
    AWS call, py-spy); ``datetime.fromisoformat`` reads it to the same instant. Anything else
    (epoch seconds, RFC 822 dates) goes to botocore's own parser, as before.
    """
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    from botocore.utils import parse_timestamp  # only for the forms the fast path leaves

    return parse_timestamp(value)


def utc_now() -> datetime:
    """The credentials' clock: botocore's default asks ``dateutil`` for the local zone on
    every signed request, only to compare with the expiry (an aware UTC time)."""
    return datetime.now(UTC)
