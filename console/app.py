"""The console: a Textual App that renders a course's state store and sends it commands.

The App never calls AWS to change anything. It reads the store a few times a second
(:class:`console.store.watch.StoreWatch`, in a worker thread) and hands what changed to its screens as
a message; the operator's actions become commands in the store's queue, served by the detached
engine it starts when none runs. Quitting the console therefore never stops work, and opening it
again (or a second console) attaches to the same run.

``console.launch.make_app`` is the one factory for the CLI, the tests and the screenshot script:
what differs between them (the host identity, how the engine starts, the clock, the read-only AWS
calls of the teardown plan and the preflight) is injected there, as ``Services``
(console.commands.console_services).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.filter import LineFilter, Monochrome
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from console.commands.console_services import Services
from console.course.model import Course
from console.hangup import TerminalWatch
from console.idle_gc import IdleCollector
from console.model import Command, CommandKind, LedgerRecord, Operator
from console.store.state import Store
from console.store.watch import Changes, StoreWatch
from widgets.context_line import Context, Pace, endpoint_words
from widgets.identity_panel import IdentityPanel
from widgets.palette import ANSI_THEME, LegibleMonochrome, SixteenColours

if TYPE_CHECKING:  # botocore, under it, costs 0.2 s of start-up: keep it off the path
    from console.aws.identity import HostIdentity

STARTUP_SECONDS = 2.0
GC_TICK_SECONDS = 5.0
TOAST_SECONDS = 4.0
TYPING_PAUSE = 0.3  # seconds after a key before the store's changes are painted
# How often the console asks whether its terminal hung up unheard (``console.hangup``): the
# input thread of Textual spins on a third of a core meanwhile.
HANGUP_CHECK_SECONDS = 1.0


@dataclass
class Attribution:
    """The latest ledger record per trainee: its last action and who performed it."""

    latest: dict[str, LedgerRecord] = field(default_factory=dict)

    def take(self, records: list[LedgerRecord]) -> None:
        for record in records:
            self.latest[record.trainee] = record


class WhodidthisApp(App):
    """The whodidthis console for one course."""

    CSS_PATH = "app.tcss"
    TITLE = "whodidthis"
    ENABLE_COMMAND_PALETTE = False
    # Each ANSI colour name keeps its own hue (Textual's Monokai paints red and magenta alike).
    ansi_theme_dark = Reactive(ANSI_THEME, init=False)
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave the console; the engine goes on"),
        Binding("question_mark", "help", "Help", id="help", tooltip="The keys of this screen"),
        Binding(
            "w",
            "dump",
            "Write screen",
            id="dump",
            show=False,
            tooltip="Write this screen to a text file and an SVG picture (path in a toast)",
        ),
    ]

    class StoreChanged(Message, bubble=False):
        """The store changed: the trainees and ledger records to show (see ``Changes``).

        Not bubbling: the App hands one to each screen, which must not hand it back.
        """

        def __init__(self, changes: Changes) -> None:
            super().__init__()
            self.changes = changes

    class HostResolved(Message, bubble=False):
        """The host identity was resolved, or could not be (``error`` says why)."""

        def __init__(self, host: HostIdentity | None, error: str | None = None) -> None:
            super().__init__()
            self.host = host
            self.error = error

    def __init__(
        self,
        course: Course,
        store: Store,
        operator: Operator | str,
        services: Services,
        *,
        read_only: bool = False,
        colours: int | None = None,
    ) -> None:
        super().__init__()
        self.read_only = read_only
        self.colours = colours
        # What q does, in the help: the demo sets its own (its q stops its engine and sandbox).
        self.quit_note = (
            "Quitting never stops the engine: open the console again to attach to the run."
        )
        self.engine_note = "it goes on when the console closes"
        self._legible = LegibleMonochrome()
        self._sixteen = SixteenColours()
        self.course = course
        self.store = store
        # Every command this console queues acts for this operator (and says how it is known).
        self.acting_for = Operator.of(operator)
        self.operator = self.acting_for.name
        self.services = services
        self.host: HostIdentity | None = None
        self.host_error: str | None = None
        self.attribution = Attribution()
        self.pace = Pace()
        self.endpoint = endpoint_words()
        # The command the live run serves (its id, kind and operator), read with the run.
        self.serving: Command | None = None
        self._serving_run: int | None = None
        self.store_watch = StoreWatch(store)  # not `watch`: that is Textual's own method
        # Start-up objects frozen, full collections only while the operator is quiet.
        self.collector = IdleCollector()
        self._keys_until = 0.0  # store changes wait for the operator's keys until then
        self._held: Changes | None = None
        self._hold_timer: Timer | None = None
        self.title = f"whodidthis · {course.name}" + (" · read-only view" if read_only else "")

    def now(self) -> float:
        """The console's clock (fixed in the tests and the screenshots)."""
        return self.services.clock()

    def get_line_filters(self) -> list[LineFilter]:
        """Textual's filters, with NO_COLOR's greys kept legible and, with ``colours=16``
        (the screenshots and tests of a ``TERM=xterm`` terminal), every colour rounded as such
        a terminal shows it. A real 16-colour terminal needs no filter: Rich rounds on output."""
        filters = [
            self._legible if isinstance(f, Monochrome) else f for f in super().get_line_filters()
        ]
        if self.colours == 16:
            filters.insert(len(filters) - (1 if self.no_color else 0), self._sixteen)
        return filters

    def get_default_screen(self) -> Screen:
        """The overview is the base screen (not pushed over a blank one, which as a background
        screen turned every repaint into a full-screen one)."""
        from console.screens.overview import OverviewScreen

        return OverviewScreen()

    def on_mount(self) -> None:
        self.collector.hold()  # no full collection over the rows being made, nor in the first keys
        # The first read happens before the first frame, so the rows are there at once.
        changes = self.store_watch.poll()
        self._find_serving(changes)
        self._deliver(changes)
        self.set_interval(self.services.poll_interval, self._poll, name="poll")
        self.set_interval(5.0, self._tick, name="identity-expiry")
        # After the first frame: importing botocore holds the GIL for 0.2 s.
        self.call_after_refresh(self.resolve_host)
        self.set_timer(STARTUP_SECONDS, self.collector.start, name="gc-freeze")
        self.set_interval(GC_TICK_SECONDS, self.collector.tick, name="gc-when-quiet")
        terminal = TerminalWatch()
        if not self.is_headless and terminal.streams:
            self.set_interval(HANGUP_CHECK_SECONDS, terminal.end_if_hung_up, name="hang-up")

    def on_unmount(self) -> None:
        self.collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.collector.key()
            self._keys_until = time.monotonic() + TYPING_PAUSE
            self._hold_until_keys_pause(TYPING_PAUSE)  # then the skipped polls catch up
        await super().on_event(event)

    def on_notify(self, event: Notify) -> None:
        """Before Textual shows a new toast (its ``_on_notify`` runs after this): the oldest
        toasts go if the stack would reach down onto the trainee table (console.screens.toasts).
        """
        self._fit_toasts(event.notification)

    def on_identity_panel_resized(self, _message: IdentityPanel.Resized) -> None:
        self._fit_toasts(None)  # a shorter panel leaves less room above the table

    def _fit_toasts(self, new: Notification | None) -> None:
        from console.screens.toasts import crowded, dismiss, room_above_table
        from widgets.datatable_cache import shown_notifications

        room = room_above_table(self.screen)
        if room is None:
            return
        shown = [*shown_notifications(self), *([new] if new else [])]  # Textual's: oldest first
        for old in crowded(shown, room, self.size.width):
            dismiss(self, old)

    # -- reading the store -------------------------------------------------------------------

    def keys_held(self) -> bool:
        """True while the operator is pressing keys (until ``TYPING_PAUSE`` after the last):
        the store's changes, its polls and the elapsed column wait meanwhile."""
        return time.monotonic() < self._keys_until

    def _poll(self) -> None:
        if self.keys_held():
            return  # its changes would be held anyway; its thread would compete with the keys
        if not any(w.group == "poll" and not w.is_finished for w in self.workers):
            self._poll_store()

    @work(thread=True, group="poll", exit_on_error=False, description="read the state store")
    def _poll_store(self) -> None:
        changes = self.store_watch.poll()
        if changes is not None:
            self._find_serving(changes)
            self.post_message(self.StoreChanged(changes))

    def _find_serving(self, changes: Changes | None) -> None:
        """When a new run shows up, which command it serves (runs do not record it): the
        latest claimed, unfinished command of the run's kind."""
        run = changes.run if changes is not None else None
        if run is None:
            self.serving, self._serving_run = None, None
            return
        if run["id"] == self._serving_run:
            return
        from console.screens.context import serving_command

        self.serving = serving_command(self.store, run)
        self._serving_run = run["id"]

    async def refresh_from_store(self) -> bool:
        """Read the store now and show what changed; True when something had.

        The same path as the timer's, awaited: for the tests and for an operator's action
        that wants its effect on screen at once.
        """
        changes = await asyncio.to_thread(self.store_watch.poll)
        if changes is None:
            return False
        await asyncio.to_thread(self._find_serving, changes)
        self._deliver(changes)
        await asyncio.sleep(0)  # let the screens take their messages
        return True

    def on_whodidthis_app_store_changed(self, message: StoreChanged) -> None:
        self._deliver(message.changes, hold_for_keys=True)

    def _deliver(self, changes: Changes | None, *, hold_for_keys: bool = False) -> None:
        """Show ``changes`` on every screen; while the operator is pressing keys (and
        ``hold_for_keys``), keep them until the keys pause, merged with any that follow.

        Measured during a 1,000-trainee build, a key that arrived while a poll's changes were
        being painted waited for that frame: the keys' frames go first, and the store's
        changes follow within ``TYPING_PAUSE`` of the last key.
        """
        if changes is not None:
            self._held = changes if self._held is None else self._held.then(changes)
        if self._held is None:
            return
        if hold_for_keys and self.keys_held():
            self._hold_until_keys_pause(self._keys_until - time.monotonic())
            return
        changes, self._held = self._held, None
        self.attribution.take(changes.records)
        self.pace.take(changes.records)
        for screen in self.screen_stack:
            screen.post_message(self.StoreChanged(changes))

    def _hold_until_keys_pause(self, wait: float) -> None:
        if self._hold_timer is None:
            self._hold_timer = self.set_timer(wait, self._release_held)

    def _release_held(self) -> None:
        self._hold_timer = None
        self._deliver(None, hold_for_keys=True)
        self._poll()  # and catch up with what the skipped polls would have read

    def _tick(self) -> None:
        host = self.host
        now = self.now()
        if host is not None and host.expires_at is not None:
            left = host.seconds_left(dt.datetime.fromtimestamp(now, dt.UTC))
            if left is not None and left <= 0 and not self._resolving():
                self.resolve_host()  # the instance profile's keys rotate: look again

    def active_names(self) -> list[str]:
        """The trainees being worked on, as the trainee list holds them (no store read)."""
        from widgets.trainee_table import TraineeTable

        if not self.screen_stack:
            return []
        tables = self.screen_stack[0].query(TraineeTable)
        return [s.name for t in tables for s in t.statuses() if s.state.is_active]

    def context(self, sort: str, active: list[str]) -> Context:
        """What the context line shows now; ``active`` are the trainees being worked on."""
        from console.screens.context import context_of

        return context_of(self, sort, active)

    # -- the host identity -------------------------------------------------------------------

    def _resolving(self) -> bool:
        return any(w.group == "identity" and not w.is_finished for w in self.workers)

    @work(
        thread=True,
        group="identity",
        exclusive=True,
        exit_on_error=False,
        description="resolve the host identity",
    )
    def resolve_host(self) -> None:
        """Ask STS who the host is (blocking botocore calls, so in a thread)."""
        self.post_message(self.HostResolved(self.services.identity_provider()))

    def on_whodidthis_app_host_resolved(self, message: HostResolved) -> None:
        self.host, self.host_error = message.host, message.error
        for screen in self.screen_stack:
            screen.post_message(self.HostResolved(message.host, message.error))
        if message.host is not None and message.host.problems:
            self.notify(
                "\n".join(message.host.problems),
                title="Host identity problem",
                severity="error",
                timeout=30,
            )

    # -- commands ----------------------------------------------------------------------------

    def send_command(self, kind: CommandKind, names: list[str]) -> int | None:
        """Queue a command for the engine and make sure one runs; returns the command id."""
        if self.read_only:  # no key is bound to an action here; this is the last door
            self.notify("This is a read-only view: it shows, it never acts.", severity="warning")
            return None
        if self.store.readonly:
            self.notify(
                f"The state store {self.store.course_dir} is read-only for this user: "
                "this console can watch but not act. Use a writable --state-dir.",
                severity="error",
                timeout=15,
            )
            return None
        command_id = self.store.enqueue(kind, names, self.acting_for)
        who = ", ".join(names) if names else f"all {len(self.course.trainees)} trainees"
        # One short line, no title: toasts sit over the ledger, never over the table.
        self.notify(f"{kind.value} queued as command {command_id} for {who}", timeout=TOAST_SECONDS)
        self.launch_engine()
        self._poll()
        return command_id

    @work(thread=True, group="engine", exit_on_error=False, description="start the engine")
    def launch_engine(self) -> None:
        """Start the detached engine unless one already serves the course."""
        pid = self.services.engine_launcher()
        if pid is not None:
            self.call_from_thread(
                self.notify,
                f"engine started (pid {pid}); {self.engine_note}",
                timeout=TOAST_SECONDS,
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for the App's workers that failed, by what they were doing."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        group = event.worker.group
        if group == "identity":
            self.post_message(
                self.HostResolved(None, f"The host identity could not be resolved: {error}")
            )
        elif group == "engine":
            self.notify(
                f"The engine could not be started: {error}. The command stays queued; "
                "run `whodidthis apply COURSE` in a shell to serve it.",
                severity="error",
                timeout=30,
            )
        elif group == "poll":
            self.notify(f"Cannot read the state store: {error}", severity="error", timeout=10)

    # -- screens -----------------------------------------------------------------------------

    def action_help(self) -> None:
        """The keys of the screen it is opened on, with what each does."""
        from console.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def copy(self, text: str | None, what: str) -> None:
        """Put ``text`` on the terminal's clipboard with OSC 52 (Textual writes the escape
        sequence to the terminal): it works over SSH and Session Manager, with no clipboard
        tool on the host."""
        if not text:
            self.notify(f"No {what} to copy here.", timeout=TOAST_SECONDS)
            return
        self.copy_to_clipboard(text)
        self.notify(f"Copied {what}: {text}", timeout=TOAST_SECONDS)

    def action_dump(self) -> None:
        """Write the screen as text and as SVG, in the current folder (else the temp one)."""
        from console.screens.dump import dump_screen

        try:
            paths = dump_screen(self, dt.datetime.fromtimestamp(self.now(), dt.UTC))
        except OSError as error:
            self.notify(f"Could not write the screen: {error}", severity="error")
            return
        self.notify(f"Screen written to {paths[0]} (and .svg)", timeout=8)
