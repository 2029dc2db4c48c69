"""How the console looks, at 80x24 (the SSM default) and 120x40, on the demo scene; at 80x24
also as a 16-colour terminal (``TERM=xterm``) and a NO_COLOR one show it.

Each picture is compared with the one accepted before (``--snapshot-update`` writes them; look at
them before committing). The clock is fixed, the data is the scene's, and the console never
blinks a cursor, so a picture changes only when the console does.
"""

from __future__ import annotations

import pytest

from .conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
TO_HEIDI = ["down"] * 7


def keys_then_settle(*keys: str):
    """A ``run_before`` that presses ``keys`` and waits for the workers they start."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_overview(snap_compare, console, size):
    """Identity panel on top naming AdminEnvRole (instance profile, 5h 58m left) and alice's
    ManageEnvRole session; twelve rows with symbol+word states (5 READY, 3 RUNNING, 1 ASSUMING,
    1 FAILED heidi, 2 PENDING), k/n steps with bars and shortened principals; at 120 columns also
    elapsed and heidi's AccessDenied in short; the ledger's last lines; the counts; the footer
    starting a Apply, r Retry, t Teardown, enter Detail... with q Quit visible at 80 columns."""
    assert snap_compare(console(), terminal_size=size, run_before=keys_then_settle())


@pytest.mark.parametrize("size", SIZES)
def test_failed_trainee_detail(snap_compare, console, size):
    """heidi's detail: account 200000000008, ✖ FAILED, no session; the AccessDenied error in full
    (AdminEnvRole is not authorized to perform sts:AssumeRole on her ManageEnvRole); her four
    steps PENDING; her ledger line (sts:AssumeRole error AccessDenied by AdminEnvRole) with the
    request id and the message; the footer with esc Back and r Retry."""
    assert snap_compare(
        console(), terminal_size=size, run_before=keys_then_settle(*TO_HEIDI, "enter")
    )


@pytest.mark.parametrize("size", SIZES)
def test_teardown_plan(snap_compare, console, size):
    """The teardown modal over the overview: "Tear down dojo-2026-12: all 12 trainees", the count
    (26 deleted, 1 kept, nothing changed yet), the plan per trainee with delete lines in red and
    alice's untagged bucket kept in green with the reason, and the field asking for the course
    name."""
    assert snap_compare(console(), terminal_size=size, run_before=keys_then_settle("t"))


@pytest.mark.parametrize("size", SIZES)
def test_identity_view(snap_compare, console, size):
    """The whoami view: OK verdict, the host ARN, account, role AdminEnvRole, credentials from the
    instance profile via IMDSv2 (iam-role), temporary ASIA****WXYZ key, expiry and time left; then
    heidi's preflight: PROBLEM, AccessDenied, why (trust policy trusts 999999999999), the error
    finding and the start of the policy to paste."""
    assert snap_compare(console(), terminal_size=size, run_before=keys_then_settle(*TO_HEIDI, "i"))


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param((), id="overview"),
        pytest.param((*TO_HEIDI, "enter"), id="heidi-detail"),
        pytest.param(("down", "enter"), id="bob-detail"),
        pytest.param(("T",), id="plan"),
    ],
)
def test_sixteen_colours(snap_compare, console, keys):
    """What TERM=xterm (16 colours) shows at 80x24: every colour is one of the 16. In the
    overview, ✔ READY green, ▶ RUNNING cyan, ◌ ASSUMING cyan, · QUEUED/PENDING grey, ✖ FAILED
    as a red block (reverse) and the Acting column (kenji) in white, never red or magenta; the
    footer starts with ? Help, a Apply, r Retry, t Teardown, c Cancel. In heidi's detail the
    AccessDenied box, its "What to do" line and her four PENDING steps. In bob's x-ray
    (issue 24.8, nothing cut): the context line, "bob 200000000002 ✔ READY 4/4 █████ built",
    his whole session ARN wrapped onto a second line, his four steps DONE with every resource
    ARN whole (wrapped, no character lost) and his ledger lines wrapped. In the plan of the
    whole course: each delete line, its ARN whole on the next line, alice's bucket kept with
    its reason, and the field asking for the course name."""
    assert snap_compare(
        console(colours=16), terminal_size=(80, 24), run_before=keys_then_settle(*keys)
    )


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param((), id="overview"),
        pytest.param((*TO_HEIDI, "enter"), id="heidi-detail"),
        pytest.param(("down", "enter"), id="bob-detail"),
        pytest.param(("T",), id="plan"),
    ],
)
def test_no_color(snap_compare, console, monkeypatch, keys):
    """NO_COLOR at 80x24: greys only, every word legible (light text on dark, never grey on
    grey); ✖ FAILED stands out as a light block (bold reverse), the other states by their
    symbols and words; the selected row is a lighter band. In heidi's detail the error box and
    its "What to do" line are legible too. bob's x-ray and the whole course's plan show, in
    greys, the same text as with 16 colours: nothing cut at 80 columns, every ARN whole."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(console(), terminal_size=(80, 24), run_before=keys_then_settle(*keys))


async def test_the_readme_pictures_show_the_scene_engine_pid_not_the_process_taking_them(tmp_path):
    """``make screenshots`` gives the same pictures from any process: the live engine of the
    scene names the scene's pid, and the console still takes it for a live engine."""
    import os

    from console.devtools.demo_scene import SCENE_ENGINE_PID
    from console.devtools.screenshots import take

    text = (await take(tmp_path, "overview.svg", ())).read_text()
    assert f"pid&#160;{SCENE_ENGINE_PID}" in text
    assert f"pid&#160;{os.getpid()}" not in text
