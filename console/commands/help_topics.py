"""``whodidthis help [TOPIC]``: what a newcomer looks up, from the code that defines it.

The course file's reference is the schema's own; the states, the exit codes and the ledger's
fields are listed from their definitions, each with a sentence (a test checks that none is
left without one).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from console.commands.options import EXIT_CODES_EPILOG, Options, new_parser
from console.errors import EXIT_BAD_INPUT, EXIT_OK

STATES = {
    "PENDING": "queued or never started: nothing is being done for the trainee",
    "ASSUMING": "the host is assuming the trainee's ManageEnvRole",
    "RUNNING": "the steps are being built, in course order",
    "READY": "every step built and checked: the trainee can start",
    "FAILED": "a step or the teardown's sweep failed; the error says why and what to do",
    "CANCELLED": "stopped between two steps on request; what was built stays (apply resumes)",
    "TEARING_DOWN": "the steps are being deleted, last first, then the sweep",
    "TORN_DOWN": "nothing tagged for the trainee is left (the sweep's receipt says when)",
}
LEDGER = {
    "ts": "when the call was made, ISO 8601 UTC",
    "course": "the course the call was made for",
    "trainee": "the trainee whose account was called",
    "account": "that account's id",
    "step": "the step (kind:name) the call belongs to, if any",
    "service": "the AWS service called (iam, s3, eks...)",
    "operation": "the API call (CreateUser); reads are hidden unless `ledger --all`",
    "principal_arn": "the session that made the call (for an AssumeRole, the host)",
    "session_name": "the role session's name, <operator>@<course>",
    "source_identity": "the SourceIdentity set on the session (the operator)",
    "request_id": "AWS's request id of the answered attempt: find it in CloudTrail",
    "outcome": "ok, error, `in flight` (its engine is alive) or unknown (lost in a crash)",
    "error_code": "AWS's error code when the outcome is error",
    "error_message": "AWS's error message, or why an unknown is unknown",
    "region": "the region the call went to",
    "principal_id": "CloudTrail's userIdentity.principalId, AROA...:session",
    "assume_request_id": "the AssumeRole that issued the credentials the call was signed with",
    "operator": "the human the command acted for",
    "operator_source": "how the operator is known: ssm-session, flag or login",
    "operator_arn": "the SSM session owner's ARN, when verified",
    "attempt_request_ids": "every attempt's request id, oldest first, when retried",
    "resource_arn": "what the call created or changed, when known",
}
TOPICS = {
    "course": "the course file: its keys, step kinds and placeholders",
    "states": "a trainee's states, in the order a build goes through them",
    "exit-codes": "what each exit code means",
    "ledger": "the ledger record's fields (`ledger -o json`)",
}
EXAMPLES = """examples:
  whodidthis help              the topics
  whodidthis help states       a trainee's states
  whodidthis help apply        the same as `whodidthis apply --help`"""


@dataclass(frozen=True, kw_only=True)
class HelpOptions(Options):
    topic: str | None = None


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES)
    p.add_argument(
        "topic", nargs="?", default=None, help=f"one of: {', '.join(TOPICS)}; or a command"
    )
    p.set_defaults(handler=cli_help, options=HelpOptions)
    return p


def topic_text(topic: str) -> str:
    """The text of one topic (a key of :data:`TOPICS`)."""
    if topic == "course":
        from console.course.schema import course_reference

        return course_reference().rstrip()
    if topic == "states":
        return "\n".join(f"{name:<13} {what}" for name, what in STATES.items())
    if topic == "exit-codes":
        return EXIT_CODES_EPILOG.split("\n", 1)[1].replace("\n  ", "\n").strip()
    from console.words import LEDGER_FIELDS

    return "\n".join(f"{name:<20} {LEDGER[name]}" for name in LEDGER_FIELDS) + (
        "\n\nA record is written before its call (outcome unknown) and settled after it."
    )


def cli_help(options: HelpOptions) -> int:
    from console.commands.registry import COMMANDS, build_parser

    if options.topic is None:
        print("whodidthis help TOPIC, one of:")
        print("\n".join(f"  {name:<11} {what}" for name, what in TOPICS.items()))
        print("or a command: whodidthis help COMMAND (as whodidthis COMMAND --help)")
        return EXIT_OK
    if options.topic in TOPICS:
        print(topic_text(options.topic))
        return EXIT_OK
    if options.topic in COMMANDS:
        build_parser(only=options.topic, full=False).commands[options.topic].print_help()
        return EXIT_OK
    print(
        f"whodidthis help: no topic {options.topic!r}; the topics are {', '.join(TOPICS)}, "
        "and every command",
        file=sys.stderr,
    )
    return EXIT_BAD_INPUT
