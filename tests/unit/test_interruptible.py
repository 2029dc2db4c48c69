"""A Ctrl+C that lands while a foreground command's event loop is being built is held back
and delivered inside the command, which it cancels cleanly: exit 130 from the CLI, and none
of CPython's "Exception ignored in BaseEventLoop.__del__" or "never awaited" on the terminal
(the early Ctrl+C drill saw them on CI). Each case runs in a child process, since it sends
itself a real SIGINT."""

import signal
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


def test_a_stop_caught_inside_exec_d_code_still_exits_with_the_programs_code(tmp_path):
    """CPython kills itself with SIGINT at exit (-2) once a bare KeyboardInterrupt has left
    ``exec``'d text (a dataclass being made while a module loads), even when the program
    caught it and returned 130 (run as ``python -m``, as ``whodidthis`` runs its engine's
    commands): ``apply`` stopped by SIGTERM as it started exited -2 about one run in three.
    ``errors.Interrupted``, what whodidthis's handlers raise, is not taken for that."""
    code = """
import os, signal, sys
from console.errors import Interrupted

def bare(*_): raise KeyboardInterrupt
def ours(*_): raise Interrupted
signal.signal(signal.SIGTERM, {handler})
try:
    exec("import os, signal\\nos.kill(os.getpid(), signal.SIGTERM)\\nsum(range(10**6))")
except KeyboardInterrupt:
    pass
raise SystemExit(130)
"""
    codes = {}
    for handler in ("bare", "ours"):
        (tmp_path / f"stop_{handler}.py").write_text(code.format(handler=handler))
        done = subprocess.run(
            [sys.executable, "-m", f"stop_{handler}"], cwd=tmp_path, capture_output=True, timeout=60
        )
        codes[handler] = done.returncode
    assert codes == {"bare": -signal.SIGINT, "ours": 130}  # "bare": CPython's doing


def test_the_cli_takes_ctrl_c_over_only_while_it_runs_and_only_on_the_main_thread():
    """``main()`` run in-process (a script, a test) gives the caller its SIGINT handler back,
    and works from another thread, where no signal handler can be set."""
    done = _run(
        """
        import contextlib, io, signal, threading
        from console.cli import main

        seen = []
        with contextlib.redirect_stdout(io.StringIO()):
            seen.append(main(["completion", "bash"]))
            seen.append(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
            thread = threading.Thread(target=lambda: seen.append(main(["completion", "bash"])))
            thread.start()
            thread.join()
        print(seen)
        """
    )
    assert done.stdout.strip() == "[0, True, 0]", done
