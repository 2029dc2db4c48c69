"""Store.trainees_named: a poll's changed rows in two queries, whatever their number."""

from console.model import TraineeState
from console.store.state import Store


def test_named_trainees_come_back_sorted_with_their_steps_and_unknowns_left_out(tmp_path):
    store = Store.open(tmp_path, "dojo")
    store.sync_roster(
        [("bob", "200000000002"), ("alice", "200000000001"), ("carol", "200000000003")],
        [("iam_user", "{trainee}")],
    )
    store.set_trainee("carol", state=TraineeState.RUNNING, step_index=0)
    rows = store.trainees_named(["carol", "alice", "nobody", "carol"])
    assert [row.name for row in rows] == ["alice", "carol"]
    assert rows[1].state == TraineeState.RUNNING and rows[1].step_count == 1
    assert rows == [t for t in store.trainees() if t.name in {"alice", "carol"}]
    assert store.trainees_named([]) == []


def test_removed_trainees_are_not_named(tmp_path):
    store = Store.open(tmp_path, "dojo")
    store.sync_roster([("alice", "200000000001"), ("bob", "200000000002")], [])
    store.sync_roster([("alice", "200000000001")], [])
    assert [row.name for row in store.trainees_named(["alice", "bob"])] == ["alice"]


def test_changes_then_later_changes_read_as_one_poll():
    from console.model import TraineeStatus
    from console.store.watch import Changes

    def row(name, state):
        return TraineeStatus(name=name, account="200000000001", state=state)

    first = Changes(
        trainees=[row("a", TraineeState.PENDING), row("b", TraineeState.PENDING)],
        records=["r1"],
        engine={"pid": 1},
    )
    later = Changes(trainees=[row("a", TraineeState.READY)], records=["r2"], summary=True)
    both = first.then(later)
    assert {t.name: t.state for t in both.trainees} == {
        "a": TraineeState.READY,
        "b": TraineeState.PENDING,
    }
    assert both.records == ["r1", "r2"] and both.summary and both.engine is None
