"""The console's actions carry the console's operator: name, how it was known, and the ARN."""

from __future__ import annotations

from console.app import make_app
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
    assert (retry.operator, retry.operator_source, retry.operator_arn) == (
        "élodie",
        "ssm-session",
        OWNER,
    )
    assert retry.acting == operator
