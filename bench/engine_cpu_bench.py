"""The engine's CPU per AWS call, steady state, beside what aiobotocore itself costs for them.

Three numbers, each CPU time (user + system), so the figures mean the same on a loaded host:

* ``whodidthis apply`` on one engine process (``WHODIDTHIS_WORKERS=1``), its own rusage over
  the calls of the three-step course, less a one-trainee run's (start-up: imports, the course,
  the store, the first clients);
* the library floor: bare aiobotocore making the same 9 calls per trainee at the same
  concurrency, with the engine's own SDK speed-ups (``console.aws.sdk``: one TLS context, one
  model and endpoint provider per service, ...), in one process, counted after its first
  trainee; no ledger, no store, no hooks;
* the difference: the engine's own bookkeeping per call (ledger intent and settlement with
  their hash chain and events, trainee and step states, the attribution hooks, the CLI's
  event printer);
* the SDK's minimum: one warm client per service (made once, the host's own credentials)
  repeating one of the engine's reads (GetCallerIdentity, IAM GetUser, CodeCommit
  GetRepository, S3 HeadBucket of one bucket) at the same concurrency. Nothing is made per
  call but the call: no client, no credentials, no endpoint rules the cache has not answered,
  no ledger. The cheapest of the four is the least any engine built on aiobotocore can spend
  per call on this machine.

Not part of ``make bench`` (it repeats what ``scale_bench.py`` measures at one size); run it
when changing the engine's hot path::

    .venv/bin/python bench/engine_cpu_bench.py [--trainees 400] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import tomllib
from contextlib import AsyncExitStack
from pathlib import Path

from baselines import REGION, TAGS, _amissing, session_client
from common import (
    SANDBOX_PID,
    VENV_BIN,
    compile_bytecode,
    machine,
    measured,
    process_tree_cpu,
    sandbox,
    three_step_course,
    trail_calls,
)

CALLS_PER_TRAINEE = 9  # AssumeRole, GetCallerIdentity, and per step a read and the create(s)


def engine_cpu(trainees: int, concurrency: int) -> tuple[float, int, float]:
    """``whodidthis apply`` on a fresh stand-in: (engine CPU s, calls, stand-in CPU s)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox(trainees=trainees, extra=["--dir", tmp]) as env,
    ):
        course = three_step_course(Path(env["WHODIDTHIS_COURSE"]), "cpu.toml")
        text = course.read_text().replace("concurrency = 32", f"concurrency = {concurrency}")
        course.write_text(text)
        standin = int(env[SANDBOX_PID])
        before = process_tree_cpu(standin)
        argv = [str(VENV_BIN / "whodidthis"), "apply", str(course), "--state-dir", f"{tmp}/state"]
        usage = measured(argv, {**env, "WHODIDTHIS_WORKERS": "1"})
        calls = trail_calls(Path(tmp) / "trail.jsonl")
        return usage["cpu"], calls, process_tree_cpu(standin) - before


async def _floor_trainee(sts, host, config, name: str, account: str) -> None:
    """The engine's 9 calls for one trainee, with bare aiobotocore clients."""
    answer = await sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/ManageEnvRole",
        RoleSessionName="bench@dojo",
        SourceIdentity="bench",
        Tags=[{"Key": "trainee", "Value": name}],
    )
    creds = answer["Credentials"]

    def client(service):
        return session_client(host, service, creds, config)

    async with client("sts") as own, client("iam") as iam:
        await own.get_caller_identity()
        if await _amissing(iam.get_user, UserName=name):
            await iam.create_user(UserName=name, Tags=TAGS)
    async with client("codecommit") as cc:
        if await _amissing(cc.get_repository, repositoryName="dojo-app"):
            tags = {t["Key"]: t["Value"] for t in TAGS}
            await cc.create_repository(repositoryName="dojo-app", tags=tags)
    async with client("s3") as s3:
        bucket = f"bench-{name}-{account}"
        if await _amissing(s3.head_bucket, Bucket=bucket):
            where = {"LocationConstraint": REGION}
            await s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=where)
            await s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": TAGS})


async def _floor(course: Path, concurrency: int) -> tuple[float, int]:
    """CPU seconds and trainees of the floor, after its first trainee (steady state)."""
    from console.aws import sdk
    from console.aws.config import aio_client_config
    from console.aws.sdk.session import engine_session

    sdk.install()
    host, config = engine_session(), aio_client_config(None)
    trainees = [(t["name"], t["account"]) for t in tomllib.loads(course.read_text())["trainee"]]
    slots = asyncio.Semaphore(concurrency)
    async with host.create_client("sts", region_name=REGION, config=config) as sts:

        async def one(name: str, account: str) -> None:
            async with slots:
                await _floor_trainee(sts, host, config, name, account)

        await one(*trainees[0])
        started = time.process_time()
        await asyncio.gather(*(one(name, account) for name, account in trainees[1:]))
        return time.process_time() - started, len(trainees) - 1


def _in_child(what: str, trainees: int, concurrency: int) -> str:
    """``engine_cpu_bench.py --floor|--warm COURSE CONCURRENCY`` in a child process on a
    fresh stand-in of ``trainees``: its output."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox(trainees=trainees, extra=["--dir", tmp]) as env,
    ):
        argv = [sys.executable, __file__, f"--{what}", env["WHODIDTHIS_COURSE"], str(concurrency)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the {what} run failed: {done.stderr[-2000:]}")
        return done.stdout


def floor_cpu(trainees: int, concurrency: int) -> float:
    """The library floor's CPU per call in ms."""
    return float(_in_child("floor", trainees, concurrency).split()[-1])


WARM_CALLS = 3000


async def _warm(concurrency: int) -> dict[str, float]:
    """ms of CPU per call of each read, repeated on one warm client (after 50 unmeasured)."""
    from console.aws import sdk
    from console.aws.config import aio_client_config
    from console.aws.sdk.session import engine_session

    sdk.install()
    host, config = engine_session(), aio_client_config(None)
    async with AsyncExitStack() as stack:
        clients = {
            service: await stack.enter_async_context(
                host.create_client(service, region_name=REGION, config=config)
            )
            for service in ("sts", "iam", "codecommit", "s3")
        }
        await clients["s3"].create_bucket(
            Bucket="bench-warm", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        reads = {
            "sts GetCallerIdentity": lambda: clients["sts"].get_caller_identity(),
            "iam GetUser": lambda: _amissing(clients["iam"].get_user, UserName="bench-warm"),
            "codecommit GetRepository": lambda: _amissing(
                clients["codecommit"].get_repository, repositoryName="bench-warm"
            ),
            "s3 HeadBucket": lambda: clients["s3"].head_bucket(Bucket="bench-warm"),
        }
        slots = asyncio.Semaphore(concurrency)
        per_call = {}
        for name, read in reads.items():

            async def one(read=read) -> None:
                async with slots:
                    await read()

            await asyncio.gather(*(one() for _ in range(50)))
            started = time.process_time()
            await asyncio.gather(*(one() for _ in range(WARM_CALLS)))
            per_call[name] = (time.process_time() - started) / WARM_CALLS * 1000
        return per_call


def warm_cpu(concurrency: int) -> dict[str, float]:
    """The SDK's minimum per call (``_warm``), ms per read."""
    lines = _in_child("warm", 1, concurrency).splitlines()
    return {name: float(ms) for name, _, ms in (line.rpartition(" ") for line in lines)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainees", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    compile_bytecode()
    print(f"machine: {machine()}")
    start_cpu, start_calls, _ = engine_cpu(1, args.concurrency)
    cpu, calls, standin = engine_cpu(args.trainees, args.concurrency)
    steady = (cpu - start_cpu) / (calls - start_calls) * 1000
    floor = floor_cpu(args.trainees, args.concurrency)
    print(
        f"engine, 1 process, {args.trainees} trainees, concurrency {args.concurrency}: "
        f"{cpu:.2f} s CPU for {calls} calls = {cpu / calls * 1000:.2f} ms per call; start-up "
        f"{start_cpu:.2f} s; steady {steady:.2f} ms per call (goal <= 1.2); stand-in "
        f"{standin / calls * 1000:.2f} ms per call"
    )
    print(
        f"library floor (aiobotocore with the engine's SDK speed-ups, same calls): "
        f"{floor:.2f} ms per call; the engine's own bookkeeping: {steady - floor:.2f} ms per call"
    )
    warm = warm_cpu(args.concurrency)
    reads = ", ".join(f"{name} {ms:.2f}" for name, ms in warm.items())
    print(
        f"the SDK's minimum (one warm client per service, one read repeated {WARM_CALLS} times, "
        f"ms per call): {reads}; the least is {min(warm.values()):.2f} ms (goal <= 1.2)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--warm"]:
        for name, ms in asyncio.run(_warm(int(sys.argv[3]))).items():
            print(f"{name} {ms:.4f}")
    elif sys.argv[1:2] == ["--floor"]:
        seconds, done = asyncio.run(_floor(Path(sys.argv[2]), int(sys.argv[3])))
        print(f"floor ms per call: {seconds / (done * CALLS_PER_TRAINEE) * 1000:.4f}")
    else:
        main()
