"""Shared fixtures: one sandbox per test process, reset to a clean topology for each test.

moto keeps its state in process-global backends, so each pytest-xdist worker (a process) starts
one sandbox lazily, the first time a test asks for it. Before every test that uses it, the sandbox
is reset (moto wiped, the story's accounts bootstrapped again, no faults, empty trail: about 15 ms
for 12 trainees) and the process environment is pointed at it with no stored credentials, so
botocore's default chain in the test resolves the host identity through IMDS.

The stand-in's roles come from the product, as a user's do: the templates ``whodidthis
iam-templates --course`` writes for the sandbox's sample course (tests may import both).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.commands.iam_templates import admin_template, trainee_template
from console.course.model import load_course
from standin import RoleTemplates, Sandbox, SandboxOptions

# Detached engines started by tests step back to nice 10, not the product's 19: the suite runs
# four pytest workers at nice 0 on two cores, and at 19 an engine got so little of them that
# tests waiting for it to go idle timed out. (tests/unit/test_sdk_sharing.py checks the default.)
os.environ.setdefault("WHODIDTHIS_ENGINE_NICE", "10")

# What every test starts from; sandbox_factory(**changes) starts from these too.
DEFAULTS = {
    "trainees": 12,
    "before": {},
    "latency_ms": 0.0,
    "jitter_ms": 0.0,
    "throttle": 0.0,
    "seed": 0,
    "host_credential_lifetime": 21600,
    "imds_refuse_token": False,
}


def product_roles(course_path: Path) -> RoleTemplates:
    """The role templates ``whodidthis iam-templates --course COURSE`` writes for the sample
    course, with the sandbox's admin account. The trust allows but does not require a
    SourceIdentity: the tests' courses run with and without ``source_identity``."""
    course = load_course(course_path)
    return RoleTemplates(
        admin=admin_template(),
        trainee=trainee_template(
            Sandbox.admin_account, course=course, require_source_identity=False
        ),
    )


@pytest.fixture(scope="session")
def _process_sandbox() -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxOptions(roles=product_roles)).start()
    yield sandbox
    sandbox.stop()


def _use_sandbox_env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    clean = sandbox.clean_env(os.environ)
    for name in set(os.environ) - set(clean):
        monkeypatch.delenv(name)
    for name, value in clean.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def sandbox(_process_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The process's sandbox with a fresh default topology, and the env pointed at it."""
    _process_sandbox.reset(**DEFAULTS)
    _use_sandbox_env(_process_sandbox, monkeypatch)
    return _process_sandbox


@pytest.fixture
def sandbox_factory(sandbox: Sandbox) -> Callable[..., Sandbox]:
    """``sandbox_factory(**options)``: the sandbox reset with other options.

    Options are ``SandboxOptions`` fields that can change on a running sandbox: ``trainees``,
    ``before``, ``latency_ms``, ``jitter_ms``, ``throttle``, ``seed``,
    ``host_credential_lifetime``, ``imds_refuse_token``. Unnamed ones take the defaults.
    """

    def make(**options: object) -> Sandbox:
        return sandbox.reset(**{**DEFAULTS, **options})

    return make
