"""The sweep's receipt names every region it checked, and stays readable at 80 columns.

The full list is kept where it is read by programs (``status --json``); a table line says
how many and the course's own region (``regions: all 17 enabled (ap-northeast-1, …)``).
"""

from __future__ import annotations

from pathlib import Path

from console.course.model import Course
from console.engine.sweep import receipt_text
from console.model import Event, TraineeState, TraineeStatus
from console.words import event_text, short_receipt, status_json, status_row

# The 17 regions AWS enables by default in a new account (AWS Account Management reference,
# "Specify which AWS Regions your account can use": those not marked opt-in).
DEFAULT_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "sa-east-1",
]


def test_the_table_says_all_17_regions_and_the_json_lists_each():
    receipt = receipt_text(0.0, (), DEFAULT_REGIONS, home="ap-northeast-1")
    row = TraineeStatus("alice", "111111111111", TraineeState.TORN_DOWN, receipt=receipt)

    line = status_row(row)
    short = short_receipt(receipt)

    assert "regions: all 17 enabled (ap-northeast-1, …); checked at 1970-01-01T00:00:00Z" in line
    assert short is not None and len(short) < len(receipt) // 2 and "sa-east-1" not in line
    followed = event_text(
        Event(1, 0.0, "trainee", "alice", {"state": "TORN_DOWN", "receipt": receipt})
    )
    assert followed is not None and "(ap-northeast-1, …)" in followed
    course = Course(path=Path("c.toml"), name="c", region="ap-northeast-1")
    [shown] = status_json(course, [row], None)["trainees"]
    listed = shown["receipt"].split("(", 1)[1].split(")", 1)[0].split(", ")
    assert listed[0] == "ap-northeast-1" and sorted(listed) == sorted(DEFAULT_REGIONS)


def test_one_region_is_named_as_it_is_and_other_words_are_untouched():
    receipt = receipt_text(0.0, (), ["eu-west-1"])

    assert "regions: eu-west-1; checked" in receipt
    assert short_receipt(receipt) == receipt
    assert short_receipt(None) is None
