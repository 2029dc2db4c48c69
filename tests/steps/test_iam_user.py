"""iam_user against the sandbox over HTTP: create, adopt, refuse, check, tear down."""

import json

import pytest

from console.steps.base import TAG_COURSE, TAG_TRAINEE, NotOurs
from console.steps.iam_user import IamUser
from tests.steps.world import unique

STEP = IamUser()
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}],
    }
)


def _spec(world):
    iam = world.backdoor.client("iam")
    policy = iam.create_policy(PolicyName=unique("p"), PolicyDocument=POLICY)["Policy"]["Arn"]
    group = iam.create_group(GroupName=unique("g"))["Group"]["GroupName"]
    return {"name": unique(world.trainee), "policy_arns": [policy], "groups": [group]}


def _tags(world, name):
    tags = world.backdoor.client("iam").list_user_tags(UserName=name)["Tags"]
    return {t["Key"]: t["Value"] for t in tags}


def _user_exists(world, name):
    try:
        world.backdoor.client("iam").get_user(UserName=name)
    except world.backdoor.client("iam").exceptions.NoSuchEntityException:
        return False
    return True


def _calls(sandbox, world, since: int) -> list[str]:
    """Every call the trainee's session made (reads too), from the sandbox's trail."""
    return [r["operation"] for r in sandbox.trail()[since:] if r["account"] == world.account]


async def test_apply_creates_a_tagged_user_with_policies_and_groups(world, sandbox):
    params = _spec(world)
    since = len(sandbox.trail())
    result = await STEP.apply(world.ctx(params))
    # A user we just made has nothing attached: no list call before attaching.
    assert _calls(sandbox, world, since) == [
        "GetUser",
        "CreateUser",
        "AttachUserPolicy",
        "AddUserToGroup",
    ]
    assert result.created and result.resource_arn.endswith(f":user/{params['name']}")
    assert _tags(world, params["name"])[TAG_TRAINEE] == world.trainee
    iam = world.backdoor.client("iam")
    attached = iam.list_attached_user_policies(UserName=params["name"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == params["policy_arns"]
    groups = iam.list_groups_for_user(UserName=params["name"])["Groups"]
    assert [g["GroupName"] for g in groups] == params["groups"]


async def test_apply_again_adopts_and_creates_nothing(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    world.clear()
    again = await STEP.apply(world.ctx(params))
    assert not again.created
    assert world.operations() == []  # nothing changed: no create, attach or add


async def test_a_course_asking_for_no_policies_or_groups_lists_none(world, sandbox):
    params = {"name": unique(world.trainee), "policy_arns": [], "groups": []}
    await STEP.apply(world.ctx(params))
    since = len(sandbox.trail())
    assert not (await STEP.apply(world.ctx(params))).created
    assert (await STEP.check(world.ctx(params))).ok
    assert _calls(sandbox, world, since) == ["GetUser", "ListUserTags", "GetUser", "ListUserTags"]


async def test_apply_after_a_crash_before_the_policies_adds_them(world):
    params = _spec(world)
    await STEP.apply(world.ctx({**params, "policy_arns": [], "groups": []}))
    result = await STEP.apply(world.ctx(params))
    assert not result.created
    assert world.operations()[-2:] == ["AttachUserPolicy", "AddUserToGroup"]
    assert (await STEP.check(world.ctx(params))).ok


@pytest.mark.parametrize(
    "decoy_tags",
    [
        [],
        [{"Key": TAG_COURSE, "Value": "dojo"}, {"Key": TAG_TRAINEE, "Value": "someone-else"}],
    ],
    ids=["untagged", "another-trainee"],
)
async def test_a_decoy_is_refused_and_left_untouched(world, decoy_tags):
    params = _spec(world)
    world.backdoor.client("iam").create_user(UserName=params["name"], Tags=decoy_tags)
    with pytest.raises(NotOurs, match=params["name"]):
        await STEP.apply(world.ctx(params))
    iam = world.backdoor.client("iam")
    assert iam.list_attached_user_policies(UserName=params["name"])["AttachedPolicies"] == []
    assert iam.list_groups_for_user(UserName=params["name"])["Groups"] == []
    assert _tags(world, params["name"]) == {t["Key"]: t["Value"] for t in decoy_tags}
    assert "CreateUser" not in world.operations()


async def test_untagged_is_not_ours_even_when_the_ledger_says_we_created_it(world):
    """CreateUser carries the tags, so an untagged user cannot be a crash leftover of ours."""
    params = _spec(world)
    world.backdoor.client("iam").create_user(UserName=params["name"])
    with pytest.raises(NotOurs):
        await STEP.apply(world.ctx(params, extra={"created_by_us": True}))


async def test_check_passes_then_sees_drift(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    assert (await STEP.check(world.ctx(params))).ok
    iam = world.backdoor.client("iam")
    iam.detach_user_policy(UserName=params["name"], PolicyArn=params["policy_arns"][0])
    checked = await STEP.check(world.ctx(params))
    assert not checked.ok and "is not attached" in checked.problems[0]
    iam.remove_user_from_group(UserName=params["name"], GroupName=params["groups"][0])
    iam.delete_user(UserName=params["name"])
    gone = await STEP.check(world.ctx(params))
    assert not gone.ok and gone.resource_arn is None and "does not exist" in gone.problems[0]


def _give_the_user_everything(world, name):
    iam = world.backdoor.client("iam")
    iam.create_login_profile(UserName=name, Password="Passw0rd!Passw0rd!")
    iam.create_access_key(UserName=name)
    iam.create_access_key(UserName=name)
    iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2E tester")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=unique("mfa"))
    serial = device["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName=name,
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=POLICY)
    return serial


async def test_teardown_removes_everything_that_blocks_the_delete(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    serial = _give_the_user_everything(world, params["name"])
    [planned] = await STEP.plan_teardown(world.ctx(params))
    assert planned.ours and planned.exists
    for blocker in (
        "console password",
        "access key AKIA****",
        "SSH public key",
        "MFA device",
        "inline policy inline",
        "attached policy",
        "membership of group",
    ):
        assert blocker in planned.note
    world.clear()
    [done] = await STEP.teardown(world.ctx(params))
    assert done.ours and not done.exists and done.note.startswith("deleted")
    assert not _user_exists(world, params["name"])
    ops = world.operations()
    assert ops.index("DeleteUser") == len(ops) - 1  # the user last, after every blocker
    assert ops.count("DeleteAccessKey") == 2
    for op in (
        "DeleteLoginProfile",
        "DeleteSSHPublicKey",
        "DeactivateMFADevice",
        "DeleteVirtualMFADevice",
        "DeleteUserPolicy",
        "DetachUserPolicy",
        "RemoveUserFromGroup",
    ):
        assert op in ops
    iam = world.backdoor.client("iam")
    assert iam.get_group(GroupName=params["groups"][0])["Users"] == []
    assert iam.list_entities_for_policy(PolicyArn=params["policy_arns"][0])["PolicyUsers"] == []
    assert serial not in [
        d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    ]


async def test_teardown_twice_is_fine(world):
    params = _spec(world)
    await STEP.apply(world.ctx(params))
    await STEP.teardown(world.ctx(params))
    world.clear()
    [again] = await STEP.teardown(world.ctx(params))
    assert not again.exists and again.note == "already gone"
    assert world.operations() == []


async def test_teardown_keeps_a_decoy(world):
    params = _spec(world)
    iam = world.backdoor.client("iam")
    iam.create_user(UserName=params["name"])
    iam.create_login_profile(UserName=params["name"], Password="Passw0rd!Passw0rd!")
    [planned] = await STEP.plan_teardown(world.ctx(params))
    assert not planned.ours and planned.note.startswith("kept")
    [kept] = await STEP.teardown(world.ctx(params))
    assert not kept.ours and kept.exists
    assert _user_exists(world, params["name"])
    assert iam.get_login_profile(UserName=params["name"])["LoginProfile"]
    assert world.operations() == []
