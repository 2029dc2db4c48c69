"""Roster sync: trainee and step rows follow the course and keep the states they had."""

from __future__ import annotations

import pytest

from console.errors import StateError
from console.model import StepState, TraineeState
from console.store.state import Store

from .conftest import ROSTER, STEPS


def test_new_roster_starts_pending_sorted_with_rendered_step_names(roster_store: Store):
    trainees = roster_store.trainees()
    assert [t.name for t in trainees] == ["alice", "bob", "carol"]
    alice = trainees[0]
    assert alice.state is TraineeState.PENDING
    assert alice.step_count == 3
    assert [s.name for s in alice.steps] == ["alice", "dojo-app", "dojo-111111111111"]
    assert all(s.state is StepState.PENDING for s in alice.steps)


def test_sync_again_keeps_trainee_and_step_states(roster_store: Store):
    roster_store.set_trainee("bob", state=TraineeState.FAILED, step_index=1, error="denied")
    roster_store.set_step("bob", 0, state=StepState.DONE, resource_arn="arn:aws:iam::2:user/bob")
    roster_store.set_step("bob", 1, state=StepState.FAILED, error="denied")

    roster_store.sync_roster(ROSTER, STEPS)

    bob = roster_store.trainee("bob")
    assert (bob.state, bob.step_index, bob.error) == (TraineeState.FAILED, 1, "denied")
    assert [s.state for s in bob.steps] == [StepState.DONE, StepState.FAILED, StepState.PENDING]
    assert bob.steps[0].resource_arn == "arn:aws:iam::2:user/bob"


def test_removed_trainee_is_hidden_then_restored_with_its_state(roster_store: Store):
    roster_store.set_trainee("carol", state=TraineeState.READY)
    roster_store.sync_roster(ROSTER[:2], STEPS)

    assert [t.name for t in roster_store.trainees()] == ["alice", "bob"]
    assert roster_store.trainee("carol") is None
    assert roster_store.trainee("carol", include_removed=True).state is TraineeState.READY
    assert "carol" in [t.name for t in roster_store.trainees(include_removed=True)]

    roster_store.sync_roster(ROSTER, STEPS)
    assert roster_store.trainee("carol").state is TraineeState.READY


def test_changed_account_starts_the_trainee_again(roster_store: Store):
    roster_store.set_trainee("alice", state=TraineeState.READY, principal_arn="arn:old")
    roster_store.set_step("alice", 0, state=StepState.DONE)
    roster_store.sync_roster([("alice", "999999999999"), *ROSTER[1:]], STEPS)

    alice = roster_store.trainee("alice")
    assert (alice.account, alice.state, alice.principal_arn) == (
        "999999999999",
        TraineeState.PENDING,
        None,
    )
    assert alice.steps[0].state is StepState.PENDING
    assert alice.steps[2].name == "dojo-999999999999"


def test_changed_step_resets_only_that_step_and_dropped_steps_go(roster_store: Store):
    for index in range(3):
        roster_store.set_step("alice", index, state=StepState.DONE)
    new_steps = [STEPS[0], ("codecommit_repo", "other-app")]
    roster_store.sync_roster(ROSTER, new_steps)

    alice = roster_store.trainee("alice")
    assert [(s.name, s.state) for s in alice.steps] == [
        ("alice", StepState.DONE),
        ("other-app", StepState.PENDING),
    ]
    assert alice.step_count == 2


def test_roster_changes_are_an_event(roster_store: Store):
    before = roster_store.last_event_id()
    roster_store.sync_roster(ROSTER, STEPS)
    assert roster_store.last_event_id() == before  # nothing changed, nothing to tell

    roster_store.sync_roster([*ROSTER, ("dave", "444444444444")], STEPS)
    (event,) = roster_store.events_since(before)
    assert (event.type, event.fields["added"]) == ("roster", 1)


def test_engine_set_step_name_wins_over_the_template(roster_store: Store):
    event = roster_store.set_step("alice", 2, name="dojo-111111111111-x1y2")
    assert event.fields["step"] == "dojo-111111111111-x1y2"
    assert roster_store.trainee("alice").steps[2].name == "dojo-111111111111-x1y2"


def test_unknown_trainee_step_or_field_is_refused(roster_store: Store):
    with pytest.raises(StateError, match="no trainee named zed"):
        roster_store.set_trainee("zed", state=TraineeState.READY)
    with pytest.raises(StateError, match="no step 7"):
        roster_store.set_step("alice", 7, state=StepState.DONE)
    with pytest.raises(TypeError, match="colour"):
        roster_store.set_trainee("alice", colour="red")
    with pytest.raises(ValueError):
        roster_store.set_trainee("alice", state="HAPPY")


def test_step_names_are_rendered_by_the_course_renderer(roster_store: Store):
    """The store names a step from its template with the course's own renderer: the name the
    console shows is the name the engine will use, literal braces included."""
    from console.course.placeholders import render_text

    template = "{{x}}-{trainee}-{course}-{account}"
    roster_store.sync_roster(ROSTER, [*STEPS, ("s3_bucket", template)])
    shown = roster_store.trainee("alice").steps[3].name
    values = {"trainee": "alice", "course": "dojo", "account": "111111111111"}
    assert shown == render_text(template, values) == "{x}-alice-dojo-111111111111"
