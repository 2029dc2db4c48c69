"""The credential guard: the last line that keeps secrets out of the state store.

Every value the store writes passes through :func:`refuse_credentials` first. A value that looks
like an AWS access key id, secret access key or session token, or a field named like one, makes
the write fail loudly with :class:`CredentialRefused`: a refused write is a bug to fix, a stored
secret is an incident (DESIGN.md, principle 1). The error never repeats the value; a key id is
shown masked (``ASIA****MPLE``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from console.errors import StateError

# AKIA long-term, ASIA temporary (STS), ABIA STS bearer token, ACCA context-specific credential.
KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
# A secret access key is 40 base64-ish characters standing alone.
SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# Session tokens run to hundreds of base64 characters; nothing the store keeps legitimately
# (ARNs, request ids, error messages, S3's 76-character extended request id) comes close.
SESSION_TOKEN = re.compile(r"[A-Za-z0-9/+=]{100,}")

# Field names that can only hold a secret, normalised (lower case, no "_" or "-").
SECRET_FIELD_NAMES = frozenset(
    {
        "secretaccesskey",
        "awssecretaccesskey",
        "secretkey",
        "sessiontoken",
        "awssessiontoken",
        "securitytoken",
        "password",  # a console password (``whodidthis handout``) is printed once, never kept
    }
)


class CredentialRefused(StateError):
    """A write to the state store was refused because a value looks like a credential."""


def mask_key_id(key_id: str) -> str:
    """``AKIAIOSFODNN7EXAMPLE`` -> ``AKIA****MPLE``: enough to recognise, useless to an attacker."""
    return f"{key_id[:4]}****{key_id[-4:]}"


def refuse_credentials(value: object, where: str) -> None:
    """Raise :class:`CredentialRefused` if ``value`` (or anything inside it) looks like a secret.

    Args:
        value: what is about to be written: a string, number, None, or a mapping / list / tuple
            of those (event fields, run summaries), inspected recursively.
        where: the table and column or field, for the message (``"ledger.error_message"``).

    Raises:
        CredentialRefused: naming ``where`` and the kind of credential, never the value.
    """
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, Mapping):
        # Every write passes here, mostly short strings and numbers: a field's name for the
        # message is only spelled out for a value that could hold a credential.
        for key, item in value.items():
            key = str(key)
            if _normalised(key) in SECRET_FIELD_NAMES and item not in (None, ""):
                _refuse_field(key, f"{where}.{key}")
            if isinstance(item, str):
                if len(item) >= SHORTEST_CREDENTIAL:
                    _check_text(item, f"{where}.{key}")
            elif item is not None and not isinstance(item, int | float):
                refuse_credentials(item, f"{where}.{key}")
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            refuse_credentials(item, f"{where}[{index}]")


@functools.lru_cache(maxsize=1024)
def _normalised(key: str) -> str:
    """A field name in lower case without ``_`` or ``-`` (the store's names repeat)."""
    return key.lower().replace("_", "").replace("-", "")


def _refuse_field(key: str, where: str) -> None:
    raise CredentialRefused(
        f"refusing to write a field named {key!r} into the state store ({where}): it can only "
        "hold a credential, and the store never holds credentials. Drop the field."
    )


SHORTEST_CREDENTIAL = 20  # an access key id; secrets and tokens are longer


def _check_text(text: str, where: str) -> None:
    if len(text) < SHORTEST_CREDENTIAL:
        return  # nothing that short can hold one (most values: states, names, operations)
    match = KEY_ID.search(text)
    if match:
        _refuse(where, f"access key id ({mask_key_id(match.group())})")
    for pattern, kind in ((SESSION_TOKEN, "session token"), (SECRET_KEY, "secret access key")):
        if any(_looks_random(match.group()) for match in pattern.finditer(text)):
            _refuse(where, kind)


def _looks_random(candidate: str) -> bool:
    """A real key or token mixes upper case, lower case and digits; a hex digest or a word does not.

    A random 40-character base64 string lacks one of the three classes with a probability
    below 1e-8, so this costs nothing in detection and spares git commit ids, plain words and
    runs of one character.
    """
    return (
        any(c.isupper() for c in candidate)
        and any(c.islower() for c in candidate)
        and any(c.isdigit() for c in candidate)
    )


def _refuse(where: str, kind: str) -> None:
    raise CredentialRefused(
        f"refusing to write what looks like an AWS {kind} into the state store ({where}). "
        "Credentials live only in memory; pass the value on without recording it."
    )
