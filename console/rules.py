"""What one value must look like for AWS to accept it: names, ids, ARNs, regions.

Each ``ValueRule`` knows what it names, what is allowed (in words a message can quote) and can
say why a given string falls short. ``console.course.schema`` attaches them to course keys and
``console.kinds`` to step parameters; step parameters are checked after placeholders are
rendered for each trainee.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

IDENTIFIER_MAX = 32


@dataclass(frozen=True)
class ValueRule:
    """What a string must look like (after placeholders are rendered) to be accepted by AWS.

    Attributes:
        what: the thing it names, with an article ("an S3 bucket name").
        allowed: what is allowed, phrased to follow "use" in a message.
        chars: a regex character class body of the allowed characters.
        min_len: fewest characters.
        max_len: most characters.
        edges: a character class body the first and last character must belong to, if any.
        pattern: a full regex the value must match (checked after the simpler rules), if any.
        forbidden: pairs of (regex searched in the value, reason) that reject it.
        empty_ok: whether "" is accepted (it means "not set").
        shape: why a value that fails ``pattern`` is wrong, e.g. 'it is not like "us-east-1"'.
    """

    what: str
    allowed: str
    chars: str
    min_len: int = 1
    max_len: int = 64
    edges: str | None = None
    pattern: str | None = None
    forbidden: tuple[tuple[str, str], ...] = ()
    empty_ok: bool = False
    shape: str = "it does not have that shape"

    def problem(self, value: str) -> str | None:
        """Why ``value`` is not acceptable, or None when it is."""
        if value == "" and self.empty_ok:
            return None
        bad = sorted(set(re.sub(f"[{self.chars}]", "", value, flags=re.ASCII)))
        if bad:
            shown = ", ".join(_show_char(c) for c in bad[:5])
            return f"it contains {shown}"
        if not self.min_len <= len(value) <= self.max_len:
            if self.min_len == self.max_len:
                return f"it has {len(value)} characters, not {self.min_len}"
            return f"it has {len(value)} characters, not {self.min_len}-{self.max_len}"
        if self.edges:
            for where, char in (("starts", value[0]), ("ends", value[-1])):
                if not re.fullmatch(f"[{self.edges}]", char, flags=re.ASCII):
                    return f"it {where} with {_show_char(char)}"
        for regex, reason in self.forbidden:
            if re.search(regex, value, flags=re.ASCII):
                return reason
        if self.pattern and not re.fullmatch(self.pattern, value, flags=re.ASCII):
            return self.shape
        return None


def _show_char(char: str) -> str:
    """A character as a reader can see it, even when it is a space or a control character."""
    if char.isprintable() and not char.isspace():
        return f'"{char}"'
    if char == " ":
        return "a space"
    return f"U+{ord(char):04X}"


IDENTIFIER = ValueRule(
    what="a name for tags and session names",
    allowed=f"1-{IDENTIFIER_MAX} characters of lowercase letters, digits and '-', "
    "not starting or ending with '-'",
    chars="a-z0-9-",
    max_len=IDENTIFIER_MAX,
    edges="a-z0-9",
)
ACCOUNT_ID = ValueRule(
    what="an AWS account id",
    allowed='the 12-digit AWS account id in quotes, e.g. "111111111111"',
    chars="0-9",
    min_len=12,
    max_len=12,
)
REGION = ValueRule(
    what="an AWS region",
    allowed='a region name such as "ap-northeast-1" or "us-east-1"',
    chars="a-z0-9-",
    max_len=32,
    pattern=r"[a-z]{2}(-[a-z]+)+-[0-9]",
    shape="it is not shaped like a region (letters-letters-digit)",
)
ORGANIZATIONAL_UNIT_ID = ValueRule(
    what="an AWS Organizations OU id",
    allowed='an OU id such as "ou-ab12-cd34ef56" (ou-, the root\'s 4-32 characters, -, 8-32 more)',
    chars="a-z0-9-",
    min_len=11,
    max_len=68,
    pattern=r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}",
    shape='it is not shaped like an OU id ("ou-" then two groups of lowercase letters and digits)',
)
TAG_KEY = ValueRule(
    what="a tag key",
    allowed="1-128 letters, digits, spaces and _.:/=+-@",
    chars=r"\w .:/=+@-",
    max_len=128,
    forbidden=((r"^aws:", "it starts with aws:, which AWS reserves"),),
)
IAM_ROLE_NAME = ValueRule(
    what="an IAM role name",
    allowed="1-64 characters of letters, digits and _+=,.@-",
    chars=r"\w+=,.@-",
)
IAM_USER_NAME = ValueRule(
    what="an IAM user name",
    allowed="1-64 characters of letters, digits and _+=,.@-",
    chars=r"\w+=,.@-",
)
IAM_GROUP_NAME = ValueRule(
    what="an IAM group name",
    allowed="1-128 characters of letters, digits and _+=,.@-",
    chars=r"\w+=,.@-",
    max_len=128,
)
_ARN_CHARS = r"\w+=,.@/:*-"
IAM_POLICY_ARN = ValueRule(
    what="an IAM policy ARN",
    allowed='a policy ARN, e.g. "arn:aws:iam::aws:policy/ReadOnlyAccess" or '
    '"arn:aws:iam::{account}:policy/MyPolicy"',
    chars=_ARN_CHARS,
    max_len=2048,
    pattern=r"arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[\w+=,.@/-]+",
    shape="it is not shaped like arn:aws:iam::ACCOUNT:policy/NAME",
)
IAM_ROLE_ARN = ValueRule(
    what="an IAM role ARN",
    allowed='a role ARN, e.g. "arn:aws:iam::{account}:role/EksClusterRole"',
    chars=_ARN_CHARS,
    max_len=2048,
    pattern=r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+",
    shape="it is not shaped like arn:aws:iam::ACCOUNT:role/NAME",
)
OPTIONAL_IAM_ROLE_ARN = dataclasses.replace(IAM_ROLE_ARN, empty_ok=True)
CODECOMMIT_NAME = ValueRule(
    what="a CodeCommit repository name",
    allowed="1-100 characters of letters, digits, '.', '_' and '-', not ending in '.git'",
    chars=r"\w.-",
    max_len=100,
    forbidden=((r"\.git$", "it ends with '.git'"), (r"^\.{1,2}$", "it is only dots")),
)
S3_BUCKET_NAME = ValueRule(
    what="an S3 bucket name",
    allowed="3-63 characters of lowercase letters, digits, '.' and '-', "
    "starting and ending with a letter or digit",
    chars="a-z0-9.-",
    min_len=3,
    max_len=63,
    edges="a-z0-9",
    forbidden=(
        (r"\.\.", "it contains '..'"),
        (r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$", "it looks like an IP address"),
        (r"^xn--|^sthree-", "it starts with a prefix AWS reserves"),
        (r"-s3alias$|--ol-s3$", "it ends with a suffix AWS reserves"),
    ),
)
EKS_CLUSTER_NAME = ValueRule(
    what="an EKS cluster name",
    allowed="1-100 characters of letters, digits, '_' and '-', starting with a letter or digit",
    chars=r"A-Za-z0-9_-",
    max_len=100,
    pattern=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    shape="it does not start with a letter or digit",
)
EKS_NODEGROUP_NAME = ValueRule(
    what="an EKS node group name",
    allowed="\"\" (no node group) or 1-63 characters of letters, digits, '_' and '-', "
    "starting with a letter or digit",
    chars=r"A-Za-z0-9_-",
    max_len=63,
    pattern=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    shape="it does not start with a letter or digit",
    empty_ok=True,
)
EKS_VERSION = ValueRule(
    what="a Kubernetes version",
    allowed='a version such as "1.31"',
    chars="0-9.",
    max_len=8,
    pattern=r"[0-9]+\.[0-9]+",
    shape="it is not MAJOR.MINOR",
)
SUBNET_ID = ValueRule(
    what="a subnet id",
    allowed='a subnet id such as "subnet-0123456789abcdef0"',
    chars="a-z0-9-",
    max_len=32,
    pattern=r"subnet-[0-9a-f]{8,17}",
    shape="it is not subnet- and 8-17 hex digits",
)
STACK_NAME = ValueRule(
    what="a CloudFormation stack name",
    allowed="1-128 characters of letters, digits and '-', starting with a letter",
    chars="A-Za-z0-9-",
    max_len=128,
    pattern=r"[A-Za-z][A-Za-z0-9-]*",
    shape="it does not start with a letter",
)
STACK_PARAMETER_KEY = ValueRule(
    what="a CloudFormation parameter name",
    allowed="1-255 letters and digits, as the template's Parameters section names it",
    chars="A-Za-z0-9",
    max_len=255,
)
CODECOMMIT_DESCRIPTION = ValueRule(
    what="a repository description",
    allowed="at most 1000 characters",
    chars=r"\s\S",
    min_len=0,
    max_len=1000,
)
