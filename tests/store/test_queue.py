"""The command queue: exactly-once claims, even between processes racing; reclaim once."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket

import pytest

from console.errors import StateError
from console.model import CommandKind, Operator
from console.store.state import Store

from .conftest import COURSE
from .workers import claim_all, enqueue_many


def test_commands_are_claimed_oldest_first_and_once(store: Store):
    retry = store.enqueue(CommandKind.RETRY, ["alice", "bob"], "op")
    teardown = store.enqueue(CommandKind.TEARDOWN)

    first = store.claim_next("engine-a")
    assert (first.id, first.kind, first.trainees, first.operator) == (
        retry,
        CommandKind.RETRY,
        ("alice", "bob"),
        Operator("op", "flag"),  # a bare name is taken as given by --operator
    )
    assert first.claimed_by == "engine-a"
    assert store.claim_next("engine-b").id == teardown
    assert store.claim_next("engine-b") is None
    assert [c.id for c in store.pending_commands()] == [retry, teardown]

    store.finish_command(retry, "ok")
    assert [c.id for c in store.pending_commands()] == [teardown]
    assert store.commands()[0].result == "ok"
    with pytest.raises(StateError, match="already done"):
        store.finish_command(retry, "ok again")


def test_a_command_stopped_by_ctrl_c_is_withdrawn_unless_another_process_runs_it(store):
    ours = f"{socket.gethostname()}:{os.getpid()}:0a1b2c3d"
    queued = store.enqueue(CommandKind.APPLY, ["alice"], "op")
    assert store.withdraw(queued, "withdrawn: Ctrl+C before an engine began it")
    assert store.claim_next("engine-b") is None  # no engine will run it now
    assert store.commands()[0].result == "withdrawn: Ctrl+C before an engine began it"

    mine = store.enqueue(CommandKind.TEARDOWN, ["alice"], "op")
    assert store.claim_next(ours).id == mine  # this process's engine, stopped by the Ctrl+C
    assert store.withdraw(mine, "withdrawn")
    theirs = store.enqueue(CommandKind.RETRY, ["bob"], "op")
    assert store.claim_next("otherhost:99:ffff").id == theirs
    assert not store.withdraw(theirs, "withdrawn")  # running elsewhere: a cancel's job
    assert not store.withdraw(mine, "again")  # done already
    assert [c.id for c in store.pending_commands()] == [theirs]


def test_an_unclaimed_command_cannot_be_completed(store: Store):
    command = store.enqueue(CommandKind.CANCEL)
    with pytest.raises(StateError, match="not claimed"):
        store.finish_command(command, "ok")
    assert store.pending_commands()[0].done_at is None


def test_two_processes_racing_claim_every_command_exactly_once(state_dir, store: Store):
    ids = enqueue_many(store, 300)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    engines = [
        context.Process(target=claim_all, args=(str(state_dir), COURSE, name, barrier, results))
        for name in ("engine-a", "engine-b")
    ]
    for engine in engines:
        engine.start()
    claimed = dict(results.get(timeout=120) for _ in engines)
    for engine in engines:
        engine.join(timeout=60)
        assert engine.exitcode == 0

    assert set(claimed["engine-a"]).isdisjoint(claimed["engine-b"])
    assert sorted(claimed["engine-a"] + claimed["engine-b"]) == ids
    by_id = {command.id: command for command in store.commands()}
    for engine_id, mine in claimed.items():
        assert all(by_id[i].claimed_by == engine_id for i in mine)
        assert all(by_id[i].result == f"done by {engine_id}" for i in mine)
    assert store.pending_commands() == []


def test_reclaim_gives_a_dead_engines_command_back_once(store: Store):
    alive = {"engine-a": True, "engine-b": True}
    command = store.enqueue(CommandKind.APPLY)
    store.claim_next("engine-a")
    assert store.reclaim_abandoned(alive.get) == 0  # its engine still runs

    alive["engine-a"] = False
    assert store.reclaim_abandoned(alive.get) == 1
    assert store.claim_next("engine-b").id == command

    alive["engine-b"] = False
    assert store.reclaim_abandoned(alive.get) == 0  # second death: closed, not requeued
    (closed,) = store.commands()
    assert closed.done_at is not None and closed.result.startswith("abandoned")
    assert store.claim_next("engine-c") is None


def test_reclaim_after_the_engine_process_is_killed(store: Store, workers):
    command = store.enqueue(CommandKind.APPLY, ["alice"])
    engine = workers("hold-lock", str(store.course_dir.parent), COURSE)
    started = json.loads(engine.stdout.readline())
    assert started["command"] == command
    assert store.reclaim_abandoned(store.engine_alive) == 0

    engine.send_signal(signal.SIGKILL)
    engine.wait()
    assert store.reclaim_abandoned(store.engine_alive) == 1
    assert store.claim_next("engine-new").id == command


def test_an_identical_unfinished_command_absorbs_a_new_one(store):
    first = store.enqueue(CommandKind.RETRY, ["bob"], "alice")
    assert store.enqueue(CommandKind.RETRY, ["bob"], "alice") == first
    assert store.enqueue(CommandKind.RETRY, ["bob", "dave"], "alice") != first
    claimed = store.claim_next("engine-1")
    assert claimed.id == first
    assert store.enqueue(CommandKind.RETRY, ["bob"], "alice") == first  # still running
    store.finish_command(first, "1 READY")
    assert store.enqueue(CommandKind.RETRY, ["bob"], "alice") != first  # a new request


def test_another_operators_identical_request_is_never_folded_into_the_first(store):
    """Issue 11: folded into alice's command, carol's retry would run under alice's session."""
    first = store.enqueue(CommandKind.RETRY, ["bob"], "alice")
    second = store.enqueue(CommandKind.RETRY, ["bob"], "carol")
    assert second != first
    assert [(c.id, c.operator and c.operator.name) for c in store.pending_commands()] == [
        (first, "alice"),
        (second, "carol"),
    ]


def test_a_request_folded_into_a_dead_engines_command_is_never_abandoned_with_it(store):
    """Issue 14, item 1: apply, crash, apply, crash, apply must still run the last apply."""
    alive = {}
    first = store.enqueue(CommandKind.APPLY, [], "alice")
    for crash, engine in enumerate(("engine-a", "engine-b", "engine-c", "engine-d")):
        alive[engine] = True
        store.reclaim_abandoned(alive.get)  # what a starting engine does first
        claimed = store.claim_next(engine)
        assert claimed is not None and claimed.id == first, f"lost after {crash} crashes"
        alive[engine] = False  # kill -9
        assert store.enqueue(CommandKind.APPLY, [], "alice") == first  # folded: one apply
    alive["engine-e"] = True
    assert store.reclaim_abandoned(alive.get) == 1  # back in the queue, not closed
    assert store.claim_next("engine-e").id == first
    assert [c.result for c in store.commands()] == [None]


def test_a_command_nobody_asked_for_again_is_still_abandoned_after_two_deaths(store):
    alive = {"engine-a": True, "engine-b": True}
    store.enqueue(CommandKind.APPLY)
    store.claim_next("engine-a")
    alive["engine-a"] = False
    store.reclaim_abandoned(alive.get)
    store.claim_next("engine-b")
    alive["engine-b"] = False
    store.reclaim_abandoned(alive.get)
    assert store.commands()[0].result.startswith("abandoned")
