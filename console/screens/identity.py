"""Who the host is (the ``whoami`` view) and a preflight of the selected trainee.

The preflight assumes the trainee's role and lints its trust policy with read-only calls
(``console.commands.preflight``): the operator sees why an assume is denied and the policy to paste.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from console.screens.scope import action_allowed
from widgets.context_line import ContextLine
from widgets.trainee_look import PRINCIPAL_STYLE, time_left_words

if TYPE_CHECKING:  # botocore, under it, costs 0.2 s of start-up: keep it off the path
    from textual import getters

    from console.app import WhodidthisApp
    from console.aws.identity import HostIdentity

SEVERITY_STYLES = {"error": "bold red", "warning": "bold yellow", "info": "cyan"}


def whoami_table(host: HostIdentity | None, now: float, error: str | None = None) -> Group:
    """The host identity as ``whoami`` shows it, with the verdict first."""
    if host is None:
        return Group(
            Text(error or "Resolving the host identity…", style="bold red" if error else "italic")
        )
    verdict = Text.assemble(
        (" OK ", "bold reverse green") if host.ok else (" REFUSED ", "bold reverse red")
    )
    verdict.append("  the host may act" if host.ok else "  the host may not act until fixed")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    expires = host.expires_at.isoformat(timespec="seconds") if host.expires_at else "-"
    for label, value in (
        ("ARN", host.arn or "-"),
        ("Account", host.account or "-"),
        ("Role", host.role_name or "-"),
        ("Session", host.session_name or "-"),
        ("Credentials", f"{host.source_words} ({host.method or 'none'})"),
        ("Key", f"{host.key_type or '-'} {host.key_id_masked or ''}".rstrip()),
        ("Expires", f"{expires} ({time_left_words(host.seconds_left(moment))})"),
        ("Region", host.region or "-"),
    ):
        grid.add_row(label, value)
    parts: list = [verdict, grid]
    parts += [Text(f"⚠ {problem}", style="bold red") for problem in host.problems]
    parts += [Text(f"• {note}", style="yellow") for note in host.notes]
    return Group(*parts)


def preflight_view(rows: list) -> Group:
    """Preflight rows: the principal reached or the error and its diagnosis, then findings."""
    parts: list = []
    for row in rows:
        head = Text.assemble((f"{row.trainee} ", "bold"))
        head.append(f"({row.account}) ")
        head.append(
            " OK " if row.ok else " PROBLEM ",
            style="bold reverse green" if row.ok else "bold reverse red",
        )
        parts.append(head)
        if row.principal_arn:
            parts.append(Text(f"  acts as {row.principal_arn}", style=PRINCIPAL_STYLE))
        if row.error:
            parts.append(Text(f"  {row.error}", style="red"))
        if getattr(row, "diagnosis", None):
            parts.append(Text(f"  why: {row.diagnosis}", style="yellow"))
        for finding in row.findings:
            parts.append(
                Text(
                    f"  {finding.severity}: {finding.message}",
                    style=SEVERITY_STYLES.get(finding.severity, ""),
                )
            )
            if finding.severity != "info":  # an info's fix is a nicety, not worth the lines
                parts.append(
                    Text(f"  fix, the trust policy to paste:\n{finding.fix}", style="bright_black")
                )
    return Group(*parts) if parts else Group(Text("no trainee to check"))


class IdentityScreen(Screen):
    """The host's identity in full and a preflight of one trainee; ``p`` runs it again."""

    if TYPE_CHECKING:  # self.app as this console's app (Textual's getter; no import at run time)
        app = getters.app(WhodidthisApp)

    BINDINGS = [
        Binding("question_mark", "app.help", "Help", id="help-identity"),
        Binding("escape", "app.pop_screen", "Back", id="back-identity"),
        Binding(
            "p",
            "preflight",
            "Preflight again",
            id="preflight",
            tooltip="Assume the trainee's role again and lint its trust policy",
        ),
        Binding("q", "app.quit", "Quit", id="quit-identity"),
    ]

    def __init__(self, trainee: str | None) -> None:
        super().__init__()
        self.trainee = trainee

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_allowed(self.app, action)

    def compose(self) -> ComposeResult:
        yield ContextLine(id="context")
        with VerticalScroll(id="identity-scroll"):
            yield Static(Text("Host identity (whoami)", style="bold underline"))
            yield Static(id="whoami")
            yield Static(
                Text(f"Preflight: {self.trainee or 'no trainee selected'}", style="bold underline"),
                id="preflight-title",
            )
            yield Static(id="preflight-result")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self._show_host(self.app.host, self.app.host_error)
        self.action_preflight()
        self._show_context()
        self.set_interval(1.0, self._show_context, name="context")

    def _show_context(self) -> None:
        self.query_one(ContextLine).show(self.app.context("name", self.app.active_names()))

    def on_whodidthis_app_host_resolved(self, message) -> None:
        self._show_host(message.host, message.error)

    def _show_host(self, host: HostIdentity | None, error: str | None) -> None:
        self.query_one("#whoami", Static).update(whoami_table(host, self.app.now(), error))

    def action_preflight(self) -> None:
        if self.trainee is None:
            return
        if not action_allowed(self.app, "preflight"):
            self.query_one("#preflight-result", Static).update(
                Text("A read-only view runs no preflight (it would assume roles).", style="italic")
            )
            return
        self.query_one("#preflight-result", Static).update(
            Text(
                f"Assuming {self.app.course.role_name} in {self.trainee}'s account (read-only)…",
                style="italic",
            )
        )
        self.run_preflight(self.trainee)

    @work(group="preflight", exclusive=True, exit_on_error=False, description="preflight")
    async def run_preflight(self, trainee: str) -> None:
        rows = await self.app.services.preflight_provider([trainee])
        self.query_one("#preflight-result", Static).update(preflight_view(rows))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "preflight" and event.state == WorkerState.ERROR:
            self.query_one("#preflight-result", Static).update(
                Text(f"The preflight could not run: {event.worker.error}", style="bold red")
            )
