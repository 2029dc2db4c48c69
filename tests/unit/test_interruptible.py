"""A Ctrl+C that lands while a foreground command's event loop is being built is held back
and delivered inside the command, which it cancels cleanly: exit 130 from the CLI, and none
of CPython's "Exception ignored in BaseEventLoop.__del__" or "never awaited" on the terminal
(the early Ctrl+C drill saw them on CI). Each case runs in a child process, since it sends
itself a real SIGINT."""

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-X", "dev", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_ctrl_c_while_the_loop_is_built_is_delivered_inside_the_command():
    done = _run(
        """
        import asyncio, os, signal
        from console.engine import interruptible

        started = []

        async def command():
            started.append(True)
            await asyncio.sleep(30)

        def make():
            os.kill(os.getpid(), signal.SIGINT)  # lands as the loop is built
            return command()

        try:
            interruptible.run(make)
        except KeyboardInterrupt:
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set())
            print("interrupted", started, signal.SIGINT in blocked)
        """
    )
    assert done.stdout.split() == ["interrupted", "[True]", "False"], done
    assert done.stderr == "", done.stderr  # -X dev shows every ignored exception and warning


def test_the_command_handler_sees_a_ctrl_c_held_back_and_the_mask_is_restored():
    done = _run(
        """
        import asyncio, os, signal
        from console.engine import interruptible

        seen = []
        signal.signal(signal.SIGINT, lambda *_: seen.append("cancel asked"))

        async def command():
            await asyncio.sleep(0.05)
            return "finished"

        def make():
            os.kill(os.getpid(), signal.SIGINT)
            return command()

        print(interruptible.run(make), seen, signal.SIGINT in signal.pthread_sigmask(0, set()))
        """
    )
    assert done.stdout.split() == ["finished", "['cancel", "asked']", "False"], done
    assert done.stderr == "", done.stderr


def test_a_failing_command_raises_its_own_error():
    done = _run(
        """
        from console.engine import interruptible

        async def command():
            raise ValueError("bad input")

        try:
            interruptible.run(command)
        except ValueError as exc:
            print(exc)
        """
    )
    assert done.stdout.strip() == "bad input" and done.stderr == "", done
