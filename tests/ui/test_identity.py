"""The identity panel: the host's identity always on screen, a problem impossible to miss."""

from __future__ import annotations

from console.devtools.demo_scene import scene_host
from widgets.identity_panel import IdentityPanel

from .conftest import screen_lines, settle


async def test_long_term_keys_turn_the_panel_into_a_warning(console):
    app = console(identity_provider=lambda: scene_host(problem=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(IdentityPanel)
        assert panel.has_class("-problem")
        text = "\n".join(screen_lines(app))
        assert "⚠ PROBLEM" in text
        assert "long-term access key (AKIA****MPLE" in text
        assert "long-term keys · no expiry" in text
        assert any(
            n.severity == "error" and "Host identity problem" in (n.title or "")
            for n in app._notifications
        )


async def test_a_host_identity_that_cannot_be_resolved_says_so(console):
    def no_credentials():
        raise RuntimeError("Unable to locate credentials")

    app = console(identity_provider=no_credentials)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(IdentityPanel)
        assert panel.has_class("-problem")
        text = "\n".join(screen_lines(app))
        assert "identity unknown" in text
        assert "could not be resolved: Unable to locate" in text


async def test_the_panel_follows_the_cursor_with_the_last_action_and_its_principal(console):
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # bob
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "arn:aws:sts::200000000002:assumed-role/ManageEnvRole/kenji@dojo-2026-12" in text
        assert "session kenji@dojo-2026-12 · source identity kenji" in text
        assert "last 08:00:05Z eks:CreateCluster ok by ManageEnvRole/kenji@dojo-2026-12" in text
        assert "5h 58m left" in text
