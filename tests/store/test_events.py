"""Events: ids grow, events_since resumes exactly where a poller stopped, change detection."""

from __future__ import annotations

from console.model import StepState, TraineeState
from console.store.state import Store

from .conftest import COURSE


def test_events_since_returns_the_newer_ones_in_order(store: Store):
    written = [store.add_event("note", None, n=n) for n in range(10)]
    ids = [event.id for event in written]
    assert ids == sorted(ids) and len(set(ids)) == 10

    later = store.events_since(ids[3])
    assert [event.fields["n"] for event in later] == list(range(4, 10))
    assert later == written[4:]
    assert store.events_since(ids[-1]) == []
    assert store.last_event_id() == ids[-1]


def test_events_since_limit_pages_without_gaps(store: Store):
    for n in range(25):
        store.add_event("note", "alice", n=n)
    seen, last = [], 0
    while page := store.events_since(last, limit=10):
        seen += [event.fields["n"] for event in page]
        last = page[-1].id
    assert seen == list(range(25))


def test_writers_on_two_connections_share_one_sequence(state_dir, store: Store):
    other = Store.open(state_dir, COURSE)
    try:
        for n in range(20):
            (store if n % 2 else other).add_event("note", None, n=n)
        events = other.events_since(0)
    finally:
        other.close()
    assert [event.fields["n"] for event in events] == list(range(20))
    assert [event.id for event in events] == sorted({event.id for event in events})


def test_trainee_event_carries_changed_fields_and_the_state(roster_store: Store):
    roster_store.set_trainee("alice", state=TraineeState.RUNNING, step_index=0)
    event = roster_store.set_trainee(
        "alice", state=TraineeState.RUNNING, step_index=1, last_action="iam:CreateUser"
    )
    assert event.type == "trainee" and event.trainee == "alice"
    assert event.fields == {"state": "RUNNING", "step_index": 1, "last_action": "iam:CreateUser"}
    assert roster_store.events_since(event.id - 1) == [event]
    assert roster_store.trainee("alice").updated_at == event.ts


def test_step_event_names_the_step(roster_store: Store):
    event = roster_store.set_step("bob", 2, state=StepState.FAILED, error="BucketAlreadyExists")
    assert event.type == "step"
    assert event.fields == {
        "index": 2,
        "kind": "s3_bucket",
        "step": "dojo-222222222222",
        "state": "FAILED",
        "error": "BucketAlreadyExists",
    }


def test_data_version_moves_on_any_change_and_only_then(state_dir, store: Store):
    first = store.data_version()
    assert store.data_version() == first

    store.enqueue("apply")  # our own write, no event
    second = store.data_version()
    assert second > first

    other = Store.open(state_dir, COURSE)
    try:
        other.enqueue("cancel")  # another connection's write
    finally:
        other.close()
    third = store.data_version()
    assert third > second
    assert store.data_version() == third


def test_a_returned_event_is_what_a_poller_reads_back_plain_or_not(store: Store):
    plain = store.add_event("note", "alice", n=1, ratio=0.5, ok=True, gone=None, text="x")
    mixed = store.add_event("note", "alice", state=TraineeState.READY, arns=("a", "b"))
    assert store.events_since(plain.id - 1) == [plain, mixed]
    assert mixed.fields == {"state": "READY", "arns": ["a", "b"]}
    assert type(mixed.fields["state"]) is str  # the enum's value, as JSON gives it


def test_latest_events_of_a_trainee_are_read_through_the_index(store: Store):
    """The x-ray asks for one trainee's newest events of one type on every keypress: read
    from the (trainee, type, id) index, not by scanning the course's whole log."""
    for n in range(30):
        store.add_event("trust", "alice" if n % 3 else "bob", n=n)
        store.add_event("note", "alice", n=n)
    latest = store.latest_events("trust", "alice", limit=5)
    assert [e.fields["n"] for e in latest] == [23, 25, 26, 28, 29]  # oldest first
    assert store.latest_events("trust", "carol") == []
    with store._db.read() as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM events WHERE type = ? AND trainee = ? "
            "ORDER BY id DESC LIMIT 5",
            ("trust", "alice"),
        ).fetchall()
    assert any("INDEX events_by_trainee" in row[-1] for row in plan), [tuple(r) for r in plan]
