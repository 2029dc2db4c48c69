"""Who is acting: the operator name that goes into session names and the ledger."""

from __future__ import annotations

import getpass
import os

from console.model import Operator


def operator_name(arg: str | None) -> str:
    """``--operator``, else the login user (``ssm-user`` over Session Manager)."""
    if arg:
        return arg
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


def resolve_operator(arg: str | None) -> Operator:
    """The operator of this process: ``--operator`` (``flag``) or the login user (``login``)."""
    return Operator(operator_name(arg), "flag" if arg else "login")
