"""iampolicy against an independent evaluator: ``@cloud-copilot/iam-simulate``, run under node.

Every case of ``differential_corpus`` (generated from a fixed seed, plus hand-written ones) is
decided by ``iampolicy.authorize`` and by iam-simulate (one node process for the whole batch, see
``differential/simulate.cjs``). The two must agree, except on the patterns in ``SET_ASIDE``: each
names the AWS document that says which side is right, and in every one iam-simulate is the side
that departs from it (where iampolicy was the one wrong, iampolicy was fixed instead).

node and the package are required, not optional: ``make test`` runs ``npm ci`` in
``iampolicy/tests/differential`` first. Without them this module fails, it does not skip.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from differential_corpus import VERSION, Case, generated
from differential_hand import HAND

from iampolicy import authorize

HERE = Path(__file__).parent / "differential"
RUNNER = HERE / "simulate.cjs"
PACKAGE = HERE / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
GENERATED = 1500
DECISIONS = {
    "allowed": "Allowed",
    "explicitDeny": "ExplicitlyDenied",
    "implicitDeny": "ImplicitlyDenied",
}


def _arn_strings(case: Case, element: str) -> list[str]:
    documents = [*case.identity, *([case.resource_policy] if case.resource_policy else [])]
    found = []
    for document in documents:
        for statement in document["Statement"]:
            value = statement.get(element, [])
            found.extend([value] if isinstance(value, str) else value)
    return found


def _short_not_resource(case: Case) -> bool:
    arns = _arn_strings(case, "NotResource")
    return any(arn.startswith("arn:") and len(arn.split(":")) < 6 for arn in arns)


_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _variable_before_resource_part(case: Case) -> bool:
    arns = _arn_strings(case, "Resource") + _arn_strings(case, "NotResource")
    return any("@" in ":".join(_VARIABLE.sub("@", arn).split(":")[:5]) for arn in arns)


def _unresolved_in_not_resource(case: Case) -> bool:
    keys = {key.lower() for key in case.context}
    for arn in _arn_strings(case, "NotResource"):
        for body in re.findall(r"\$\{([^}]*)\}", arn):
            if "," not in body and body not in "*?$" and body.strip().lower() not in keys:
                return True
    return False


def _variable_in_old_version(case: Case) -> bool:
    documents = [*case.identity, *([case.resource_policy] if case.resource_policy else [])]
    return any(d.get("Version") != VERSION and "${" in json.dumps(d) for d in documents)


def _escape_in_exact_operator(case: Case) -> bool:
    text = json.dumps([case.identity, case.resource_policy])
    exact = r'"(String(Not)?Equals(IgnoreCase)?|Arn(Not)?Equals)(IfExists)?": \{[^}]*\$\{[*?$]\}'
    return re.search(exact, text) is not None


@dataclass(frozen=True)
class SetAside:
    """A pattern where iam-simulate departs from AWS's documentation, and which document."""

    name: str
    matches: Callable[[Case], bool]
    source: str


SET_ASIDE = (
    SetAside(
        "a NotResource ARN of fewer than six parts ending in *",
        _short_not_resource,
        'IAM User Guide, "IAM JSON policy elements: Resource" (wildcards: a * ending an ARN '
        'segment expands beyond the colon boundaries) and "IAM JSON policy elements: '
        'NotResource": a resource outside the pattern is covered. iam-simulate keeps an expanded '
        "short ARN's mismatch from inverting (its resourceMismatchReasons: not invertible).",
    ),
    SetAside(
        "a policy variable in an ARN's region or account part",
        _variable_before_resource_part,
        'IAM User Guide, "IAM policy elements: Variables and tags" ("Where you can use policy '
        "variables\": the Resource element; the variable is replaced by the request's value). "
        "iam-simulate splits the ARN at the colon inside ${aws:PrincipalAccount} before resolving.",
    ),
    SetAside(
        "an unresolvable policy variable in NotResource",
        _unresolved_in_not_resource,
        'IAM User Guide, "IAM policy elements: Variables and tags", "Policy variables with no '
        'value": the value is effectively null, "there is no equal or like value", so no resource '
        "matches the pattern and every resource lies outside NotResource. iam-simulate drops the "
        "statement instead.",
    ),
    SetAside(
        "a policy variable in a document whose Version is not 2012-10-17",
        _variable_in_old_version,
        'IAM User Guide, "IAM JSON policy elements: Version": without Version 2012-10-17 '
        "variables such as ${aws:username} are not recognized and are taken as literal strings. "
        "iam-simulate resolves them in every version.",
    ),
    SetAside(
        "${*}, ${?} or ${$} under an exact-match operator",
        _escape_in_exact_operator,
        'IAM User Guide, "IAM policy elements: Variables and tags", "Special characters": the '
        "escapes stand for *, ? and $ wherever a policy variable may be used. iam-simulate "
        "replaces them only in wildcard (Like) matching.",
    ),
)


def _cases() -> list[Case]:
    return generated(GENERATED) + HAND


def _require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not on PATH: install Node.js (18 or newer) to run the differential test"
        )
    if not PACKAGE.exists():
        where = HERE.relative_to(Path(__file__).parents[2])
        pytest.fail(f"{PACKAGE.name} of iam-simulate is missing: run `npm ci --prefix {where}`")
    return node


@functools.cache
def _theirs() -> tuple[dict, ...]:
    cases = _cases()
    batch = json.dumps([case.for_node() for case in cases])
    done = subprocess.run(
        [_require_node(), str(RUNNER)], input=batch, capture_output=True, text=True, timeout=240
    )
    if done.returncode != 0:
        pytest.fail(f"{RUNNER.name} failed ({done.returncode}): {done.stderr[-2000:]}")
    answers = json.loads(done.stdout)
    assert len(answers) == len(cases)
    return tuple(answers)


def _ours(case: Case, ignored: list[str]) -> str:
    # A key the action does not support is not in its request (Service Authorization
    # Reference); iam-simulate drops those and says which, so we drop the same ones.
    context = {
        key.lower(): tuple(value) if isinstance(value, list) else value
        for key, value in case.context.items()
        if key not in ignored
    }
    target = case.target
    answer = authorize(
        case.principal.caller,
        target.action,
        target.resource,
        context,
        case.identity,
        case.resource_policy,
        target.account,
    )
    return DECISIONS[answer.decision.value]


@functools.cache
def _compared() -> tuple[list[tuple[Case, str, str]], list[tuple[Case, str]]]:
    """(case, ours, theirs) for every case iam-simulate decided, and the cases it refused."""
    decided, refused = [], []
    for case, answer in zip(_cases(), _theirs(), strict=True):
        if "error" in answer:
            refused.append((case, answer["error"]))
        else:
            decided.append((case, _ours(case, answer["ignoredContextKeys"]), answer["decision"]))
    return decided, refused


def _set_aside(case: Case) -> SetAside | None:
    return next((pattern for pattern in SET_ASIDE if pattern.matches(case)), None)


def test_iam_simulate_accepts_every_case():
    _, refused = _compared()
    assert not refused, "\n".join(f"{case.name}: {error[:300]}" for case, error in refused[:10])


def test_the_evaluators_agree_outside_the_patterns_set_aside():
    decided, _ = _compared()
    differing = [
        f"{case.name}: iampolicy {ours}, iam-simulate {theirs}\n  {json.dumps(case.for_node())}"
        for case, ours, theirs in decided
        if ours != theirs and _set_aside(case) is None
    ]
    assert not differing, f"{len(differing)} disagreements:\n" + "\n".join(differing[:5])


def test_every_pattern_set_aside_still_explains_a_disagreement():
    """A pattern iam-simulate no longer departs on is no longer set aside: drop it."""
    decided, _ = _compared()
    explained = Counter(
        pattern.name
        for case, ours, theirs in decided
        if ours != theirs and (pattern := _set_aside(case)) is not None
    )
    assert set(explained) == {pattern.name for pattern in SET_ASIDE}, explained
    assert all(pattern.source.startswith("IAM User Guide") for pattern in SET_ASIDE)


def test_the_corpus_is_large_and_reaches_every_decision():
    decided, _ = _compared()
    assert len(decided) >= GENERATED + len(HAND)
    tally = Counter(theirs for _, _, theirs in decided)
    assert min(tally[name] for name in DECISIONS.values()) >= 100, tally
    set_aside = sum(1 for case, _, _ in decided if _set_aside(case) is not None)
    assert set_aside < len(decided) // 10, "set-aside patterns must stay the exception"


def test_every_hand_case_agrees_or_is_set_aside_by_name():
    decided, _ = _compared()
    hand = {case.name for case in HAND}
    differing = {
        case.name for case, ours, theirs in decided if case.name in hand and ours != theirs
    }
    assert differing == {
        "hand version 2008-10-17 takes a variable literally",
        "hand the ${*} escape is a literal star",
        "hand an unresolvable variable in NotResource",
        "hand a short NotResource ARN ending in * (Allow)",
        "hand a short NotResource ARN ending in * (Deny)",
    }
