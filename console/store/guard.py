"""The credential guard: the last line that keeps secrets out of the state store.

Every value the store writes passes through :func:`refuse_credentials` first. A value that looks
like an AWS access key id, secret access key or session token, or a field named like one, makes
the write fail loudly with :class:`CredentialRefused`: a refused write is a bug to fix, a stored
secret is an incident (docs/architecture.md, "Principles", 1). The error never repeats the value; a key id is
shown masked (``ASIA****MPLE``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from console.credentials import (
    ACCESS_KEY_ID,
    find_credentials,
    mask_key_id,
    names_a_secret,
)
from console.errors import StateError

__all__ = ["CredentialRefused", "mask_key_id", "refuse_credentials"]


class CredentialRefused(StateError):
    """A write to the state store was refused because a value looks like a credential."""


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
            if _names_a_secret(key) and item not in (None, ""):
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
def _names_a_secret(key: str) -> bool:
    """Whether a field of this name can only hold a credential (the store's names repeat)."""
    return names_a_secret(key)


def _refuse_field(key: str, where: str) -> None:
    raise CredentialRefused(
        f"refusing to write a field named {key!r} into the state store ({where}): it can only "
        "hold a credential, and the store never holds credentials. Drop the field."
    )


SHORTEST_CREDENTIAL = 20  # an access key id; secrets and tokens are longer


def _check_text(text: str, where: str) -> None:
    if len(text) < SHORTEST_CREDENTIAL:
        return  # nothing that short can hold one (most values: states, names, operations)
    for credential in find_credentials(text):
        if credential.kind == ACCESS_KEY_ID:
            key_id = text[credential.start : credential.end]
            _refuse(where, f"{credential.kind} ({mask_key_id(key_id)})")
        _refuse(where, credential.kind)


def _refuse(where: str, kind: str) -> None:
    raise CredentialRefused(
        f"refusing to write what looks like an AWS {kind} into the state store ({where}). "
        "Credentials live only in memory; pass the value on without recording it."
    )
