"""The public trust-policy corpus (``trust_corpus``): the evaluator's and the lint's answers.

The same cases run against the sandbox's AssumeRole over HTTP in
``tests/sandbox/test_trust_corpus_http.py``.
"""

from __future__ import annotations

import pytest

from console.aws.trustlint import ERROR, WARNING, ProductRequest, lint_trust_policy
from iampolicy import (
    Caller,
    PrincipalFacts,
    assume_role_context,
    authorize,
    request_context,
    trust_policy_problems,
)
from tests.policy import trust_corpus as corpus

ORG = "o-a1b2c3d4e5"
ROLE = f"arn:aws:iam::{corpus.TRAINEE}:role/CorpusRole"
ALLOW_STS = [{"Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}]
PROBES = (
    (Caller(corpus.HOST_SESSION, corpus.ADMIN, corpus.HOST), ORG),
    (
        Caller(f"arn:aws:sts::{corpus.ADMIN}:assumed-role/OpsRole/s", corpus.ADMIN, corpus.OTHER),
        ORG,
    ),
    (
        Caller(
            f"arn:aws:sts::{corpus.FOREIGN_ACCOUNT}:assumed-role/AdminEnvRole/s",
            corpus.FOREIGN_ACCOUNT,
            corpus.FOREIGN,
        ),
        None,
    ),
)


def lets_in(document: dict, caller: Caller, org_id: str | None) -> bool:
    base = request_context(caller, PrincipalFacts(mfa=False, org_id=org_id))
    context = assume_role_context(
        base,
        role_session_name=corpus.SESSION_NAME,
        source_identity=corpus.SOURCE_IDENTITY,
        tags=corpus.TAGS,
    )
    return all(
        authorize(caller, action, ROLE, context, ALLOW_STS, document, corpus.TRAINEE).allowed
        for action in corpus.A3
    )


def test_the_corpus_is_large_and_cited():
    assert len(corpus.CASES) >= 40
    assert all(case.source for case in corpus.CASES)


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_the_evaluator_gives_aws_outcome(case):
    document = case.rendered(ORG)
    problems = trust_policy_problems(document)
    if case.iam_refuses and problems:
        return  # IAM refuses the document: it can never be in force
    assert not problems, problems
    who = tuple(lets_in(document, caller, org) for caller, org in PROBES)
    assert who == case.who


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_the_lint_severity_follows_the_evaluator(case):
    findings = lint_trust_policy(
        case.rendered(ORG),
        admin_account=corpus.ADMIN,
        host_role_arn=corpus.HOST,
        source_identity=True,
        request=ProductRequest(corpus.SESSION_NAME, corpus.SOURCE_IDENTITY, dict(corpus.TAGS)),
        org_id=ORG,
        host_session_arn=corpus.HOST_SESSION,
    )
    # A trust that lets the host in without a SourceIdentity is warned about on its own (issue
    # 20: such a session names no operator): only when nothing else is wrong with it.
    unrequired = [f for f in findings if "without a SourceIdentity" in f.message]
    severities = {f.severity for f in findings if f not in unrequired}
    worst = ERROR if ERROR in severities else WARNING if WARNING in severities else "ok"
    assert worst == case.lint, [f.message for f in findings]
    assert not unrequired or case.lint == "ok"


@pytest.mark.parametrize("case", [c for c in corpus.CASES if c.lint != "ok"], ids=lambda c: c.name)
def test_every_fix_is_valid_keeps_the_rest_and_lets_exactly_the_host_in(case):
    import json

    document = case.rendered(ORG)
    findings = lint_trust_policy(
        document,
        admin_account=corpus.ADMIN,
        host_role_arn=corpus.HOST,
        source_identity=True,
        request=ProductRequest(corpus.SESSION_NAME, corpus.SOURCE_IDENTITY, dict(corpus.TAGS)),
        org_id=ORG,
        host_session_arn=corpus.HOST_SESSION,
    )
    fix = json.loads(findings[0].fix)
    assert trust_policy_problems(fix) == []
    assert tuple(lets_in(fix, caller, org) for caller, org in PROBES) == (True, False, False)
    services = {
        json.dumps(s["Principal"], sort_keys=True)
        for s in document["Statement"]
        if isinstance(s.get("Principal"), dict) and "Service" in s["Principal"]
    }
    kept = {json.dumps(s["Principal"], sort_keys=True) for s in fix["Statement"]}
    assert services <= kept
