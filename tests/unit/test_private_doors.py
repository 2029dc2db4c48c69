"""Other libraries' private names are used only behind their doors, and each door says which.

botocore's, aiobotocore's and aiohttp's behind ``console/aws/sdk/``, Textual's behind
``widgets/datatable_cache.py``, moto's inside ``standin/src/standin/``. The reading is an AST one
(``tests/unit/private_names.py``); the planted modules below show it sees each kind of touch.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from console.aws import sdk
from standin import moto_speed
from tests.unit.private_names import (
    DOORS,
    REPO,
    in_door,
    product_modules,
    touches,
    touches_in,
)
from widgets import datatable_cache

TABLES = {
    "console/aws/sdk/": sdk.PRIVATE_NAMES,
    "widgets/datatable_cache.py": datatable_cache.PRIVATE_NAMES,
    "standin/src/standin/": moto_speed.PRIVATE_NAMES,
}


def test_no_module_outside_its_door_touches_a_librarys_private_name():
    outside = [
        str(touch)
        for path in product_modules()
        for touch in touches(path)
        if not any(in_door(touch.path, library) for library in touch.libraries)
    ]
    assert not outside, "private names used outside their door:\n" + "\n".join(outside)


def test_each_door_lists_every_private_name_it_touches_in_its_table():
    unlisted = []
    for door, table in TABLES.items():
        listed = {
            spec.rsplit(".", 1)[-1].rsplit(":", 1)[-1] for names in table.values() for spec in names
        }
        libraries = [lib for lib, doors in DOORS.items() if door in doors]
        for path in product_modules():
            relative = path.relative_to(REPO).as_posix()
            if not any(in_door(relative, lib) for lib in libraries):
                continue
            for touch in touches(path):
                if set(touch.libraries) & set(libraries) and touch.name not in listed:
                    unlisted.append(f"{touch} is not in the PRIVATE_NAMES of {door}")
    assert not unlisted, "\n".join(unlisted)


PLANTED = """
import botocore.hooks
from botocore.hooks import _PrefixTrie
from aiobotocore.httpsession import AIOHTTPSession
from textual.widgets import DataTable

def emitter_of(session):
    return session._credentials, botocore.hooks._PrefixTrie, getattr(session, "_events")

class Table(DataTable):
    def f(self):
        return self._row_locations

class Http(AIOHTTPSession):
    def _build_ssl_contexts(self, proxy_url):
        return super()._build_ssl_contexts(proxy_url)
"""


def test_the_reading_sees_each_kind_of_touch_outside_a_door():
    found = {(t.name, t.libraries) for t in touches_in(PLANTED, "console/engine/planted.py")}
    assert ("_PrefixTrie", ("botocore",)) in found  # imported, and reached from a module
    assert ("_credentials", ("botocore", "aiobotocore")) in found  # an object of unknown type
    assert ("_events", ("botocore", "aiobotocore", "moto")) in found  # through getattr
    assert ("_row_locations", ("textual",)) in found  # self in a subclass
    assert ("_build_ssl_contexts", ("aiobotocore",)) in found  # an override and super()
    assert all(not in_door("console/engine/planted.py", lib) for _, libs in found for lib in libs)


def test_a_modules_own_private_names_and_the_standard_librarys_are_not_touches():
    own = """
import http.client

class Store:
    def __init__(self):
        self._credentials = None
    def _check(self, other):
        return other._credentials, other._check, http.client._read_headers
"""
    assert touches_in(own, "console/store/planted.py") == []


def _install_callers(path) -> set[tuple[str, str]]:
    """(module, function) of every ``sdk.install()`` call in the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = path.relative_to(REPO).as_posix()
    return {
        (module, function.name)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("sdk.install", "install")
    }


def test_only_the_engine_and_headless_commands_install_the_process_wide_patches():
    """The engine (detached or foreground), the headless preflight and the headless teardown
    plan: processes that make clients for every trainee. The console reaches ``preflight`` and
    ``teardown_plan`` themselves, never these entry points."""
    callers = set().union(
        *(
            _install_callers(path)
            for path in product_modules()
            if not path.is_relative_to(REPO / "console" / "aws" / "sdk")
        )
    )
    assert callers == {
        ("console/engine/process.py", "run_engine"),
        ("console/engine/worker.py", "serve"),  # the engine's worker processes
        ("console/commands/preflight.py", "cli_preflight"),
        ("console/engine/plan.py", "print_plan"),
    }
    app = (REPO / "console" / "app.py").read_text(encoding="utf-8")
    screens = " ".join(
        p.read_text(encoding="utf-8") for p in (REPO / "console/screens").glob("*.py")
    )
    assert not any(name in app + screens for name in ("cli_preflight", "print_plan", "run_engine"))


def test_a_console_that_opens_a_plan_leaves_the_sdk_unpatched():
    """The TUI imports the app and opens a session broker (the teardown plan, preflight);
    neither installs the engine's process-wide patches."""
    code = """
import asyncio, botocore.hooks, aiobotocore.session
import console.app
from console.aws import sdk
from console.aws.attribution import NullRecorder
from console.aws.sdk.session import engine_session
from console.aws.sessions import SessionBroker

async def open_plan():
    broker = SessionBroker(engine_session(), region="us-east-1", role_name="ManageEnvRole",
        course="dojo", operator="op", source_identity=False, host_arn=None,
        recorder=NullRecorder())
    async with broker:
        pass

asyncio.run(open_plan())
print(sdk.installed(), botocore.hooks.accepts_kwargs.__module__.split(".")[0],
      aiobotocore.session.AioClientCreator.__name__)
"""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "botocore", "AioClientCreator"]


def test_the_engines_install_patches_the_sdk_once():
    code = """
import botocore.hooks, aiobotocore.session
from console.aws import sdk
sdk.install(); sdk.install()
print(sdk.installed(), botocore.hooks.accepts_kwargs.__module__.split(".")[0],
      aiobotocore.session.AioClientCreator.__name__)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "console", "CachingClientCreator"]
