"""Trainees from an AWS Organizations OU: ``[course] trainees_from_ou = "ou-..."``.

The course's trainees are the OU's ACTIVE accounts (``ListAccountsForParent``, every page),
each named by the account tag the course chooses (``trainee_name_tag``) or else by its
account name made safe (``[a-z0-9-]``, at most 32 characters). A name that cannot be made, or
that two accounts would share, rejects the course like any bad course file: one message per
problem, naming the file, the line of ``trainees_from_ou`` and the account. The rendered
names (a bucket name with ``{trainee}`` in it) are then checked for every listed trainee,
exactly as for ``[[trainee]]`` tables.

The host lists the OU with its own identity: it needs ``organizations:ListAccountsForParent``
(and ``organizations:ListTagsForResource`` for a name tag), which only the organization's
management account or a delegated administrator account can be granted.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from pathlib import Path

from console.course.checks import CheckedCourse, Problems
from console.course.lines import find_lines
from console.course.model import Course, Trainee
from console.course.rendered import check_rendered
from console.errors import CourseError, IdentityRefused
from console.rules import IDENTIFIER, IDENTIFIER_MAX

OU_FIELD = ("course", "trainees_from_ou")
ORGANIZATIONS_REGION = "us-east-1"  # Organizations' one endpoint


@dataclasses.dataclass(frozen=True)
class OuAccount:
    """One ACTIVE account of the OU, with its name (and its tag, when the course chose one)."""

    account: str
    name: str
    joined_at: float | None
    tag: str | None = None


def safe_name(text: str) -> str:
    """An account name as a trainee name: lower case, ``[a-z0-9-]``, no '-' at either end."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return name[:IDENTIFIER_MAX].rstrip("-")


def _client(botocore_session=None):
    import botocore.session

    from console.aws.config import client_config

    session = botocore_session or botocore.session.get_session()
    client = session.create_client(
        "organizations",
        region_name=ORGANIZATIONS_REGION,
        config=client_config(session.get_scoped_config()),
    )
    _paced(client)
    return client


def _paced(client) -> None:
    """Every Organizations call (each page too) waits for the process's one Organizations
    pace and reports each attempt's throttle to it (``console.aws.pacing``)."""
    from console.aws.pacing import ORGANIZATIONS_RATE, observer, shared

    pace = shared("organizations", ORGANIZATIONS_RATE)
    client.meta.events.register("before-call.organizations", lambda **_: pace.wait_blocking())
    client.meta.events.register_first("needs-retry.organizations", observer(pace))


def _state(account: dict) -> str:
    """ACTIVE, SUSPENDED, ...: ``State`` in newer answers, ``Status`` in older ones."""
    return str(account.get("State") or account.get("Status") or "")


def _joined(account: dict) -> float | None:
    joined = account.get("JoinedTimestamp")
    return joined.timestamp() if isinstance(joined, datetime) else None


def list_ou_accounts(ou: str, name_tag: str | None, botocore_session=None) -> list[OuAccount]:
    """The OU's ACTIVE accounts, with their names and (if asked) their ``name_tag`` values.

    Raises:
        IdentityRefused: the host may not list the OU (not the management or a delegated
            administrator account, or no organizations:ListAccountsForParent).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    organizations = _client(botocore_session)
    try:
        active = [
            account
            for page in organizations.get_paginator("list_accounts_for_parent").paginate(
                ParentId=ou
            )
            for account in page.get("Accounts") or []
            if _state(account) == "ACTIVE"
        ]
        tags = _tags_of(organizations, [a["Id"] for a in active], name_tag)
        found = [OuAccount(a["Id"], a["Name"], _joined(a), tags.get(a["Id"])) for a in active]
    except BotoCoreError as exc:  # no credentials, no endpoint: nothing was listed
        raise IdentityRefused(
            [f"the host could not list the accounts of {ou}: {exc}; run `whodidthis whoami`"]
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise IdentityRefused(
            [
                f"the host could not list the accounts of {ou} ({error.get('Code')}: "
                f"{error.get('Message')}). trainees_from_ou needs "
                "organizations:ListAccountsForParent (and ListTagsForResource for "
                "trainee_name_tag), granted in the organization's management account or a "
                "delegated administrator account: see `whodidthis iam-templates`"
            ]
        ) from None
    _say_child_ous(organizations, ou)
    return found


def _say_child_ous(organizations, ou: str) -> None:
    """Child OUs are not listed into the course: say so on stderr when there are any.

    Best effort: the host may lack organizations:ListOrganizationalUnitsForParent, which the
    course does not otherwise need; then nothing is said.
    """
    import sys

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = organizations.list_organizational_units_for_parent(ParentId=ou)
    except (BotoCoreError, ClientError):
        return
    children = [unit["Id"] for unit in answer.get("OrganizationalUnits") or []]
    if children:
        more = " and more" if answer.get("NextToken") else ""
        print(
            f"whodidthis: note: {ou} has child OUs ({', '.join(children)}{more}); their "
            "accounts are not trainees of this course: trainees_from_ou takes the OU's own "
            "accounts only (name a child OU in a course of its own)",
            file=sys.stderr,
        )


#: Account states of an account that is going or gone (botocore's ``AccountState`` enum; the
#: older ``AccountStatus`` has SUSPENDED and PENDING_CLOSURE): its roles cannot be assumed.
GONE_STATES = frozenset({"SUSPENDED", "PENDING_CLOSURE", "CLOSED"})


@dataclasses.dataclass(frozen=True)
class Fate:
    """What Organizations says of a pinned account its OU no longer lists ACTIVE.

    Attributes:
        state: ``State`` (else ``Status``) from DescribeAccount; None when it could not be asked.
        parent: its parent now (``ListParents``: an OU or the root id); None when not asked.
        problem: why Organizations could not tell (the call's error), else None.
    """

    state: str | None
    parent: str | None
    problem: str | None = None

    @property
    def suspended(self) -> bool:
        return self.state in GONE_STATES


def fates_of(accounts: list[str], botocore_session=None) -> dict[str, Fate]:
    """Each account's state and parent (two calls an account; only the pinned accounts an OU
    listing lost are asked, so usually none)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not accounts:
        return {}
    organizations = _client(botocore_session)
    fates = {}
    for account in accounts:
        try:
            state = _state(organizations.describe_account(AccountId=account)["Account"])
            parents = organizations.list_parents(ChildId=account).get("Parents") or []
            fates[account] = Fate(state or None, parents[0]["Id"] if parents else None)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            fates[account] = Fate(None, None, f"{error.get('Code')}: {error.get('Message')}")
        except BotoCoreError as exc:
            fates[account] = Fate(None, None, str(exc))
    return fates


#: Accounts whose name tags are asked at once, instead of one after another (a 500-account OU
#: made 500 ListTagsForResource calls in a row). Organizations throttles each account's
#: requests; the client's standard retries absorb a Throttling answer, so a few in flight is
#: safe where hundreds would not be.
TAG_LOOKUPS_AT_ONCE = 8


def _tags_of(organizations, accounts: list[str], key: str | None) -> dict[str, str | None]:
    """Each account's ``key`` tag, asked concurrently (a botocore client is thread-safe)."""
    if not key or not accounts:
        return {}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=TAG_LOOKUPS_AT_ONCE) as pool:
        values = pool.map(lambda account: _tag(organizations, account, key), accounts)
        return dict(zip(accounts, values, strict=True))


def _tag(organizations, account: str, key: str) -> str | None:
    for page in organizations.get_paginator("list_tags_for_resource").paginate(ResourceId=account):
        for tag in page.get("Tags") or []:
            if tag["Key"] == key:
                return tag["Value"]
    return None


def _names(course: Course, accounts: list[OuAccount], problems: Problems) -> list[Trainee]:
    """A trainee per account; a problem for each name that is missing, bad or shared."""
    line = problems.lines.line_of(OU_FIELD)
    taken: dict[str, str] = {}
    trainees = []
    for item in accounts:
        source = f'tag "{course.trainee_name_tag}"' if course.trainee_name_tag else "name"
        name = item.tag if course.trainee_name_tag else safe_name(item.name)
        where = f"account {item.account} ({item.name})"
        if not name:
            problems.add(
                OU_FIELD,
                f"{where} has no {source} to name its trainee",
                f"tag the account with {course.trainee_name_tag} = <trainee name>"
                if course.trainee_name_tag
                else "rename the account, or choose trainee_name_tag",
            )
            continue
        bad = IDENTIFIER.problem(name)
        if bad:
            problems.add(
                OU_FIELD, f'{where}: its {source} "{name}" is not a trainee name: {bad}',
                f"use {IDENTIFIER.allowed}",
            )  # fmt: skip
            continue
        if name in taken:
            problems.add(
                OU_FIELD,
                f'{where} and account {taken[name]} would both be trainee "{name}"',
                "give each account its own "
                + (f"{course.trainee_name_tag} tag" if course.trainee_name_tag else "name")
                + ", or choose trainee_name_tag",
            )
            continue
        taken[name] = item.account
        trainees.append(Trainee(name, item.account, line, joined_at=item.joined_at))
    return trainees


def with_ou_trainees(course: Course, botocore_session=None) -> Course:
    """``course`` with its trainees listed from its OU (unchanged when it names none).

    Raises:
        CourseError: a trainee name cannot be made, two accounts share one, the OU has no
            ACTIVE account, or a rendered name is bad for a listed trainee.
        IdentityRefused: the host may not list the OU.
    """
    if not course.trainees_from_ou:
        return course
    accounts = list_ou_accounts(course.trainees_from_ou, course.trainee_name_tag, botocore_session)
    source = str(course.path)
    problems = Problems(source, find_lines(Path(course.path).read_text(encoding="utf-8-sig")))
    trainees = _names(course, accounts, problems)
    if not accounts:
        problems.add(
            OU_FIELD,
            f"{course.trainees_from_ou} has no ACTIVE account",
            "check the OU id, or move the trainees' accounts into it",
        )
    checked = CheckedCourse(
        settings={"name": course.name},
        trainees=[(t.name, t.account, t.line) for t in trainees],
        steps=[(s.index, s.kind, s.params, s.line) for s in course.steps],
        trainees_ok=not len(problems),
    )
    check_rendered(checked, problems)
    if len(problems):
        raise CourseError(source, problems.messages())
    return dataclasses.replace(course, trainees=tuple(trainees))


def with_known_trainees(course: Course, roster: list[tuple[str, str]]) -> Course:
    """An OU course with the trainees its store already knows: for commands that only read
    the store (status, ledger, report) and make no AWS call."""
    if not course.trainees_from_ou:
        return course
    line = 0
    return dataclasses.replace(
        course, trainees=tuple(Trainee(name, account, line) for name, account in roster)
    )


NEW_ACCOUNT_SECONDS = 3600  # StackSets reach a new account minutes after it joins; be generous


def new_account_note(trainee: Trainee, now: float) -> str | None:
    """Why a recently joined OU account may refuse AssumeRole, or None for any other trainee."""
    if trainee.joined_at is None or now - trainee.joined_at > NEW_ACCOUNT_SECONDS:
        return None
    minutes = max(0, int((now - trainee.joined_at) // 60))
    return (
        f"account {trainee.account} joined the organization {minutes} minute(s) ago: its "
        "role may not be deployed there yet (a StackSet reaches a new account a few minutes "
        "after it joins); run preflight again in a few minutes, then retry this trainee"
    )
