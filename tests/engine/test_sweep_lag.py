"""The sweep knows the tag index lags: deleted resources it still lists do not fail a trainee.

AWS documents that the Tagging API's GetResources returns "tagged or previously tagged"
resources and that a deleted one can stay listed for minutes to hours. The stand-in's
``tag_index_lag`` keeps every deleted resource listed for an hour; the sweep confirms each
candidate with its own service's read and reports the gone ones as "deleted, still in the tag
index". A real leftover is still named, and deleted by the next teardown.
"""

from __future__ import annotations

from tests.engine.helpers import cli, status
from tests.engine.test_sweep import REGION, pairs, tags_for

COURSE = "lag-1"


def course_file(sandbox, tmp_path):
    lines = ["[course]", f'name = "{COURSE}"', f'region = "{REGION}"', ""]
    for name, account in sandbox.trainees[:2]:
        lines += ["[[trainee]]", f'name = "{name}"', f'account = "{account}"', ""]
    lines += [
        '[[step]]\nkind = "iam_user"\n',
        '[[step]]\nkind = "codecommit_repo"\nname = "lab-{trainee}"\n',
        '[[step]]\nkind = "s3_bucket"\nname = "{course}-{trainee}-{account}"\n',
    ]
    path = tmp_path / "course.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_deleted_resources_in_the_tag_index_do_not_fail_and_a_real_leftover_is_named(
    sandbox, tmp_path
):
    sandbox.faults.set_tag_index_lag(3600)
    course = course_file(sandbox, tmp_path)
    (alice, alice_account), (bob, bob_account) = sandbox.trainees[:2]
    assert cli(sandbox, tmp_path, "apply", course=course).returncode == 0
    s3 = sandbox.backdoor_session(alice_account).client("s3", region_name=REGION)
    planted = f"hand-made-{alice_account}"
    s3.create_bucket(Bucket=planted, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=planted, Tagging={"TagSet": pairs(tags_for(alice, COURSE))})

    assert cli(sandbox, tmp_path, "teardown", "--yes", course=course).returncode == 1
    # The index still lists what teardown deleted (the stand-in lags like AWS) ...
    tagging = sandbox.backdoor_session(bob_account).client(
        "resourcegroupstaggingapi", region_name=REGION
    )
    listed = tagging.get_resources(TagFilters=[{"Key": "whodidthis:trainee", "Values": [bob]}])[
        "ResourceTagMappingList"
    ]
    assert {m["ResourceARN"] for m in listed} >= {
        f"arn:aws:s3:::{COURSE}-{bob}-{bob_account}",
        f"arn:aws:codecommit:{REGION}:{bob_account}:lab-{bob}",
    }
    # ... yet bob is TORN_DOWN, the lag reported; alice is FAILED for the planted bucket only.
    rows = status(sandbox, tmp_path, course)
    assert rows[bob]["state"] == "TORN_DOWN", rows[bob]
    assert "deleted, still in the tag index" in rows[bob]["receipt"]
    assert f"lab-{bob}" in rows[bob]["receipt"]
    assert rows[alice]["state"] == "FAILED"
    assert [item["arn"] for item in rows[alice]["leftovers"]] == [f"arn:aws:s3:::{planted}"]

    assert cli(sandbox, tmp_path, "teardown", "--yes", course=course).returncode == 0
    rows = status(sandbox, tmp_path, course)
    assert {row["state"] for row in rows.values()} == {"TORN_DOWN"}
    assert planted not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert f"arn:aws:s3:::{planted}" in rows[alice]["receipt"]  # deleted, and still listed
