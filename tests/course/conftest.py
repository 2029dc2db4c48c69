"""Shared helpers for the course-file tests: write a course, collect its problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.course.model import Course, load_course
from console.errors import CourseError

SAMPLE = """\
[course]
name = "dojo-2026-12"            # [a-z0-9-], used in tags and session names
region = "ap-northeast-1"        # required
role_name = "ManageEnvRole"      # role assumed in each trainee account (default ManageEnvRole)
concurrency = 10                 # trainees worked on at once (default 10)
failure_tolerance = 3            # stop starting new trainees after this many failures
host_role = "AdminEnvRole"       # the role the host must be acting as (optional check)
source_identity = true           # set SourceIdentity to the operator

[[trainee]]
name = "alice"                   # [a-z0-9-]
account = "111111111111"         # 12 digits

[[trainee]]
name = "bob"
account = "222222222222"

[[step]]
kind = "iam_user"                # the trainee's IAM user (name defaults to "{trainee}")

[[step]]
kind = "codecommit_repo"
name = "dojo-app"
"""

MINIMAL = """\
[course]
name = "dojo"
region = "eu-west-1"

[[trainee]]
name = "alice"
account = "111111111111"

[[trainee]]
name = "bob"
account = "222222222222"

[[step]]
kind = "iam_user"
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the ``nth`` occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1


class CourseFiles:
    """Writes course files (and templates) into one test's own folder."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, text: str, name: str = "course.toml") -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def load(self, text: str) -> Course:
        return load_course(self.write(text))

    def problems(self, text: str) -> list[str]:
        """The messages ``text`` is rejected with (the test fails if it is accepted)."""
        path = self.write(text)
        with pytest.raises(CourseError) as caught:
            load_course(path)
        assert caught.value.path == str(path)
        assert caught.value.problems, "a CourseError must carry at least one message"
        return [p.replace(str(path), "course.toml", 1) for p in caught.value.problems]


@pytest.fixture
def files(tmp_path: Path) -> CourseFiles:
    return CourseFiles(tmp_path)


def the_problem(messages: list[str], line: int, field: str, *words: str) -> str:
    """The one message at ``line`` about ``field`` that contains every one of ``words``."""
    prefix = f"course.toml:{line}: {field}: "
    found = [m for m in messages if m.startswith(prefix) and all(w in m for w in words)]
    assert len(found) == 1, f"want one {prefix!r} with {words}, got:\n" + "\n".join(messages)
    return found[0]
