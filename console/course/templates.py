"""A ``cloudformation_stack``'s template: read once, when the course is checked, and sent as read.

The check and the read are one act: the file is opened, the opened file's own path is checked
to lie inside the course's folder, and its bytes are kept. Reading it again at step time would
let a symlink swapped in between upload a file from outside the folder.

CloudFormation's limits, from its quotas page (AWS CloudFormation User Guide, "Understand
CloudFormation quotas",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html;
botocore's model gives TemplateBody no maximum): a template passed in the request
(``TemplateBody``) is at most 51,200 bytes; one passed from S3 (``TemplateURL``) at most 1 MB;
a parameter value at most 4,096 characters. whodidthis sends the template in the request and
uploads nothing to S3, so a larger template is refused here, before any AWS call.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

TEMPLATE_BODY_MAX = (
    51_200  # bytes, TemplateBody (the quotas page, "Template body size in a request")
)
TEMPLATE_URL_MAX = 1_000_000  # bytes, TemplateURL from S3 (the same page)
PARAMETER_VALUE_MAX = 4_096  # characters (the same page, "Parameter value length")


class TemplateRefused(ValueError):
    """Why the template cannot be sent, as a sentence, and what to do."""

    def __init__(self, what: str, todo: str):
        super().__init__(what)
        self.what, self.todo = what, todo


def read_template(where: Path, folder: Path) -> str:
    """The template's text, read once from ``where`` (already resolved) inside ``folder``.

    Raises:
        TemplateRefused: the opened file is outside the folder (swapped meanwhile), not a
            regular file, too large for TemplateBody, or not UTF-8.
    """
    fd = os.open(where, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TemplateRefused("is not a regular file", "point template at a file")
        opened = _opened_path(fd, where, info)
        if not opened.is_relative_to(folder):
            raise TemplateRefused(
                f"was swapped for {opened}, outside the course file's folder {folder}",
                "keep the template file in the course's folder while the course is used",
            )
        if info.st_size > TEMPLATE_BODY_MAX:
            raise TemplateRefused(_too_large(info.st_size), _smaller())
        data = b""
        while len(data) <= TEMPLATE_BODY_MAX:
            chunk = os.read(fd, TEMPLATE_BODY_MAX + 1 - len(data))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    if len(data) > TEMPLATE_BODY_MAX:  # grew after fstat
        raise TemplateRefused(_too_large(len(data)), _smaller())
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateRefused(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x})", "save the template as UTF-8"
        ) from None


def _opened_path(fd: int, where: Path, info: os.stat_result) -> Path:
    """The path of the file actually opened: /proc's link where there is one, else ``where``
    if it is still that same file."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        now = os.stat(where)
        if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
            return Path("(another file)")
        return where


def _too_large(size: int) -> str:
    beyond = "" if size <= TEMPLATE_URL_MAX else ", and beyond even TemplateURL's 1 MB"
    return (
        f"is {size:,} bytes: CloudFormation takes at most {TEMPLATE_BODY_MAX:,} bytes in "
        f"TemplateBody{beyond} (larger templates go through S3 with TemplateURL, which "
        "whodidthis does not upload)"
    )


def _smaller() -> str:
    return (
        "make the template smaller (drop comments and unused parts, or split it into nested "
        "stacks whose templates are in S3)"
    )


def parameter_problem(value: object) -> str | None:
    """Why a parameter value is too long for CloudFormation, or None."""
    if isinstance(value, str) and len(value) > PARAMETER_VALUE_MAX:
        return (
            f"is {len(value):,} characters: CloudFormation takes at most "
            f"{PARAMETER_VALUE_MAX:,} in a parameter value"
        )
    return None
