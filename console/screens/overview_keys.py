"""The keys of the trainee list (:class:`console.screens.overview.OverviewScreen`), in footer
order: the table of bindings on its own, the screen's behaviour in its module."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# In footer order: at 80 columns Textual's Footer shows what fits from the left, so help
# and the keys that act come first. Every lower-case action key follows one rule (see
# console.screens.scope): the visible marked trainees, else the one under the cursor.
OVERVIEW_BINDINGS: list[BindingType] = [
    Binding(
        "question_mark", "app.help", "Help", id="help-main", tooltip="Every key, and the states"
    ),
    Binding(
        "a",
        "apply",
        "Apply",
        id="apply",
        tooltip="Build the marked trainees, or the selected one (asks first)",
    ),
    Binding(
        "r",
        "retry",
        "Retry",
        id="retry",
        tooltip="Retry the marked trainees, or the selected one (asks first)",
    ),
    Binding(
        "t",
        "teardown",
        "Teardown",
        id="teardown",
        tooltip="Teardown plan for the marked trainees, or the selected one; type its name to proceed",
    ),
    Binding(
        "c",
        "cancel",
        "Cancel",
        id="cancel",
        tooltip="Stop the work for the marked trainees, or the selected one (asks first)",
    ),
    Binding(
        "enter",
        "detail",
        "Detail",
        id="detail",
        tooltip="Steps, the error in full, resources and ledger of the trainee",
    ),
    Binding(
        "slash",
        "filter",
        "Filter",
        id="filter",
        tooltip="Regular expressions on name, account or state; ! first shows the others",
    ),
    Binding(
        "q", "app.quit", "Quit", id="quit-main", tooltip="Leave the console; the engine goes on"
    ),
    Binding(
        "i",
        "identity",
        "Identity",
        id="identity",
        tooltip="Who the host is, and a preflight of the selected trainee",
    ),
    Binding(
        "f",
        "failures",
        "Failures",
        id="failures",
        tooltip="Show only failed and cancelled trainees",
    ),
    Binding("p", "pin", "Pin", id="pin", tooltip="Pin failed trainees to the top"),
    Binding(
        "colon",
        "command_line",
        "Views",
        id="views",
        tooltip="Switch view: type trainees, ledger, leftovers, operators or inventory, then enter",
    ),
    Binding(
        "s",
        "sort",
        "Sort",
        id="sort",
        tooltip="Sort by name, state, elapsed, milestone (steps built) or error, in turn",
    ),
    Binding(
        "L",
        "reads",
        "Reads",
        id="reads",
        tooltip="Show or hide the reads (AssumeRole, GetCallerIdentity, Describe/Get/List)",
    ),
    Binding(
        "y",
        "copy",
        "Copy ARN",
        id="copy-arn",
        tooltip="Copy the selected trainee's session ARN to the clipboard (OSC 52)",
    ),
    Binding("space", "mark", "Mark", id="mark", tooltip="Mark or unmark the trainee"),
    Binding(
        "A",
        "apply_all",
        "Apply all",
        id="apply-all",
        tooltip="Build every trainee of the course (asks first)",
    ),
    Binding(
        "T",
        "teardown_all",
        "Teardown all",
        id="teardown-all",
        tooltip="Teardown plan for the whole course; type the course name to proceed",
    ),
    Binding(
        "C",
        "cancel_all",
        "Cancel all",
        id="cancel-all",
        tooltip="Stop the work for every trainee of the course (asks first)",
    ),
    Binding(
        "m",
        "milestones",
        "Milestones",
        id="milestones",
        tooltip="Check every trainee's lab milestones now (read-only; also every 3 minutes)",
    ),
    Binding(
        "escape",
        "unfilter",
        "Clear",
        id="unfilter",
        show=False,
        tooltip="Leave the filter line; pressed again, clear the filter",
    ),
]
