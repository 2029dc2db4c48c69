"""One evaluator of AWS's documented IAM policy logic, shared by preflight and the sandbox.

Pure: no AWS call, no moto. ``authorize`` answers a request from the caller's identity policies
and, for ``sts:AssumeRole``, the role's trust policy; ``evaluate`` answers one set of documents
and says which statements allow, deny, or would allow but for a condition. ``context`` builds
the request context AWS sets; ``trust_policy_problems`` says what IAM refuses in a trust policy.
"""

from iampolicy.context import PrincipalFacts, assume_role_context, request_context
from iampolicy.evaluate import (
    Authorization,
    Decision,
    PolicyAnswer,
    StatementResult,
    authorize,
    evaluate,
)
from iampolicy.statements import (
    Caller,
    MalformedPolicy,
    Statement,
    parse,
    trust_policy_problems,
)

__all__ = [
    "Authorization",
    "Caller",
    "Decision",
    "MalformedPolicy",
    "PolicyAnswer",
    "PrincipalFacts",
    "Statement",
    "StatementResult",
    "assume_role_context",
    "authorize",
    "evaluate",
    "parse",
    "request_context",
    "trust_policy_problems",
]
