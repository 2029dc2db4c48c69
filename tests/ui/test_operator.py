"""The console's actions carry the console's operator: name, how it was known, and the ARN."""

from __future__ import annotations

from console.launch import make_app
from console.model import CommandKind, Operator

from .conftest import scene_host, settle

SIZE = (80, 24)
OWNER = "arn:aws:iam::100000000000:user/elodie.martin"


async def test_a_retry_from_the_console_carries_its_operator(scene, launcher, providers):
    operator = Operator("élodie", "ssm-session", OWNER)
    app = make_app(
        scene.course_path,
        scene.state_dir,
        operator,
        identity_provider=scene_host,
        engine_launcher=launcher,
        clock=scene.clock,
        plan_provider=providers.plan,
        preflight_provider=providers.preflight,
        poll_interval=0.05,
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("down", "r", "y")  # r asks first, naming its trainee
            await settle(pilot)
            [retry] = [c for c in app.store.commands() if c.kind == CommandKind.RETRY]
    finally:
        app.store.close()
    assert retry.operator == operator
    assert (retry.operator.name, retry.operator.source, retry.operator.arn) == (
        "élodie",
        "ssm-session",
        OWNER,
    )


async def test_the_operators_level_and_evidence_travel_with_the_command(scene, launcher, providers):
    """The panel names the level and how many reasons could forge it here; the command the
    console queues keeps the session id and those reasons (the store's operator_evidence)."""
    operator = Operator(
        "élodie",
        "ssm-session",
        OWNER,
        ("ssm-user has passwordless sudo", "AWS_ENDPOINT_URL=http://127.0.0.1:1 sends ..."),
        "elodie.martin-ekp6rf9qs5arzcjxsndyvboavi",
    )
    app = make_app(
        scene.course_path,
        scene.state_dir,
        operator,
        identity_provider=scene_host,
        engine_launcher=launcher,
        clock=scene.clock,
        plan_provider=providers.plan,
        preflight_provider=providers.preflight,
        poll_interval=0.05,
    )
    try:
        async with app.run_test(size=(220, 40)) as pilot:
            await settle(pilot)
            shown = app.export_screenshot().replace("&#160;", " ")
            await pilot.press("down", "r", "y")
            await settle(pilot)
            [retry] = [c for c in app.store.commands() if c.kind == CommandKind.RETRY]
    finally:
        app.store.close()
    assert "ssm-session: owner of this SSM session" in shown
    assert "forgeable here: 2 reasons; run audit" in shown
    assert retry.operator == operator and retry.operator.level == "ssm-session"
