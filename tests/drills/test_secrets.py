"""Drill: after a demo-sized run, no file the project wrote (state dir, the detached engine's
log, the sandbox's files, the screenshots) and no output holds any credential value the
sandbox issued (secret keys, session tokens, session key ids)."""

import subprocess
import sys
from pathlib import Path

from console.store.state import Store
from tests.engine.helpers import cli
from tests.engine.test_crash import wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_no_credential_anywhere_after_a_demo_sized_run(sandbox_factory, tmp_path):
    sb = sandbox_factory(trainees=12, before={"heidi": "other-account"})
    sb.faults.add_error("Throttling", "Rate exceeded", 400, account=sb.account_of("dave"), first=3)
    state = tmp_path / "state"
    outputs = [cli(sb, state, "apply", "--detach")]
    store = wait_for(
        lambda: (
            (state / "dojo-2026-12" / "state.sqlite3").exists()
            and Store.open(state, "dojo-2026-12")
        ),
        what="the store",
    )
    wait_for(lambda: any(c.done_at for c in store.commands()), what="the detached apply")
    wait_for(lambda: store.engine_holder() is None, what="the engine to exit")
    sb.apply_before_state("heidi", "trusted")
    outputs += [
        cli(sb, state, "retry", "--trainee", "heidi", "--json"),
        cli(sb, state, "status", "--json"),
        cli(sb, state, "ledger", "--json"),
        cli(sb, state, "report"),
        cli(sb, state, "preflight", "--json"),
        cli(sb, state, "teardown", "--json"),
    ]
    assert outputs[1].returncode == 0
    whoami = subprocess.run(
        [sys.executable, "-m", "console", "whoami", "--json", "--scan", str(state)],
        env=sb.clean_env(),
        capture_output=True,
        text=True,
    )
    text = "".join(o.stdout + o.stderr for o in [*outputs, whoami])
    written = [
        p
        for base in (state, sb.directory, ROOT / "screenshots")
        for p in Path(base).rglob("*")
        if p.is_file()
    ]
    assert any(p.name == "engine.log" for p in written)
    for path in written:
        text += path.read_bytes().decode("latin-1")
    secrets = sb.issued_secrets()
    assert len(secrets) > 24
    assert [s[:4] + "…" for s in secrets if s in text] == []
