"""Preflight of 500 trainees on a sandbox with 50 ms latency per call: wall time against the
ideal (calls x latency / concurrency), at the course's concurrency and at 32."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import VENV_BIN, compile_bytecode, machine, sandbox, save

TRAINEES, LATENCY_MS = 500, 50


def run(env: dict, concurrency: int, state: str) -> tuple[float, int]:
    course = Path(env["WHODIDTHIS_COURSE"])
    variant = course.parent / f"preflight-c{concurrency}.toml"
    variant.write_text(
        course.read_text().replace("concurrency = 10", f"concurrency = {concurrency}")
    )
    trail = course.parent / "trail.jsonl"
    before = len(trail.read_text().splitlines())
    started = time.perf_counter()
    done = subprocess.run(
        [str(VENV_BIN / "whodidthis"), "preflight", str(variant), "--json", "--state-dir", state],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    data = json.loads(done.stdout)
    if done.returncode != 0 or len(data["trainees"]) != TRAINEES:
        raise SystemExit(f"preflight failed: {done.stderr[-2000:]}")
    calls = len(trail.read_text().splitlines()) - before
    return wall, calls


def main() -> dict:
    compile_bytecode()
    print(f"machine: {machine()}")
    print(f"\n## Preflight: {TRAINEES} trainees, {LATENCY_MS} ms per call")
    rows = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox(trainees=TRAINEES, latency_ms=LATENCY_MS, extra=["--dir", tmp]) as env,
    ):
        for concurrency in (10, 32):
            wall, calls = run(env, concurrency, f"{tmp}/state")
            ideal = calls * LATENCY_MS / 1000 / concurrency
            rows[f"c{concurrency}"] = {"wall": wall, "calls": calls, "ideal": ideal}
            print(
                f"concurrency {concurrency:>3}: {wall:7.2f} s for {calls} calls; ideal "
                f"{ideal:6.2f} s; x{wall / ideal:4.2f} of ideal"
            )
    save("preflight", rows)
    return rows


if __name__ == "__main__":
    sys.exit(main() and 0)
