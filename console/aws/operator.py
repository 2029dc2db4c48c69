"""Who is acting: the operator name that goes into session names and the ledger."""

from __future__ import annotations

import getpass
import os


def operator_name(arg: str | None) -> str:
    """``--operator``, else the login user (``ssm-user`` over Session Manager)."""
    if arg:
        return arg
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"
