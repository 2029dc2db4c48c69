"""``whodidthis sandbox`` and ``demo``: the stand-in for AWS on loopback, and the demo on it.

Both run code the product does not import (the stand-in, an extra) or that sits above the
commands (the demo opens the console), so their functions are named ``module:function`` and
imported by the dispatcher only when the command runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console.commands.options import Options, add_common, new_parser

EXAMPLES = {
    "sandbox": """examples:
  eval "$(whodidthis sandbox --trainees 3 &)"   AWS on loopback; prints the env to use it
  whodidthis sandbox --throttle 0.1             one call in ten answers ThrottlingException""",
    "demo": """examples:
  whodidthis demo                  twelve trainees, a build worth watching
  whodidthis demo --latency 0      as fast as the stand-in answers""",
}


@dataclass(frozen=True, kw_only=True)
class SandboxOptions(Options):
    trainees: int = 12
    latency: float = 0.0
    jitter: float = 0.0
    throttle: float = 0.0
    dir: str | None = None
    imds_v1: bool = False
    before: list[str] = field(default_factory=list)


#: The most trainee accounts the stand-in is asked to make: above the scale bench's 5,000
#: (bench/scale_bench.py) is refused, far below what exhausts memory (99,999,999,999 grew to
#: 23 GB before the kernel killed it).
MAX_SANDBOX_TRAINEES = 5000


def sandbox_trainees(text: str) -> int:
    """``--trainees`` of ``sandbox``/``demo``: 1..MAX_SANDBOX_TRAINEES, else a usage error."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_SANDBOX_TRAINEES:
        raise argparse.ArgumentTypeError(
            f"{value} trainees: the sandbox makes 1 to {MAX_SANDBOX_TRAINEES}"
        )
    return value


def add_parser(sub, name: str, summary: str | None):
    p = new_parser(sub, name, summary, epilog=EXAMPLES[name])
    p.add_argument(
        "--trainees",
        type=sandbox_trainees,
        default=12,
        metavar="N",
        help=f"trainee accounts to make (1..{MAX_SANDBOX_TRAINEES})",
    )
    if name == "demo":
        p.add_argument(
            "--latency",
            type=float,
            default=400.0,
            metavar="MS",
            help="the sandbox answers each call after MS (default 400: a build worth watching)",
        )
        add_common(p, aws=False)
        p.set_defaults(handler="console.devtools.demo:cli_demo", options=SandboxOptions)
        return p
    _sandbox_options(p)
    p.set_defaults(handler="console.devtools.sandbox:cli_sandbox", options=SandboxOptions)
    return p


def _sandbox_options(p) -> None:
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="answer every call no sooner than MS after it arrives (AWS's latency)",
    )
    p.add_argument("--jitter", type=float, default=0.0, metavar="MS")
    p.add_argument("--throttle", type=float, default=0.0, metavar="P")
    p.add_argument("--dir", default=None, help="where to put the sample course and the trail")
    p.add_argument(
        "--imds-v1",
        action="store_true",
        help="IMDS refuses the token request, so SDKs fall back to IMDSv1 (whoami warns)",
    )
    p.add_argument(
        "--before",
        action="append",
        default=[],
        metavar="TRAINEE=STATE",
        help="a trainee's state from the story: root-trust, no-role, other-account, "
        "no-source-identity, wildcard (or trusted, the fixed state)",
    )
