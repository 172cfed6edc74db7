"""Run a command that loads llama.cpp in a forked child, so a crash in C still ends in one line.

Why: a ``GGML_ASSERT`` (SIGABRT) or a segfault inside llama.cpp ends the process at once; no Python
handler, ``finally`` or ``atexit`` runs, so the TUI would leave the terminal in the alternate screen with
mouse reporting on, and a headless command would end in "Aborted (core dumped)" with llama.cpp's
message on stderr. ``tui/core/models/loadable.py`` refuses the header values known to do that before
llama.cpp loads anything; this is for the rest. The parent waits (it holds no model and starts no
thread); when the child dies by a signal it restores the terminal modes it saved before the fork, turns
off what Textual turned on, and prints one line with llama.cpp's own message from the log.

In the child, file descriptor 2 (where C code writes: ggml's assert text, early llama.cpp log lines) goes
to llama.cpp's log file, while Python's ``sys.stderr`` (the one-line errors, and Textual, which draws on
``sys.__stderr__``) keeps writing to the original stderr through a duplicate. ``GGML_NO_BACKTRACE`` keeps
ggml from running gdb on itself to print a backtrace. ``faulthandler`` writes the Python stacks of all
threads to the log on a crash, for a bug report.

Only on POSIX (``os.fork``) and only when ``main()`` runs as the program (never when it is called from
Python with an argument list), and ``SHOTGLASS_SUPERVISE=0`` turns it off (to attach a debugger).
"""

from __future__ import annotations

import faulthandler
import io
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path

SUPERVISE_ENV = "SHOTGLASS_SUPERVISE"
CRASH_SIGNALS = frozenset(
    getattr(signal, name)
    for name in ("SIGABRT", "SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGTRAP", "SIGSYS")
    if hasattr(signal, name)
)
CRASH_EXIT = 2
"""A model that makes llama.cpp crash is a bad input like a corrupt one: one line and exit 2."""
FORWARDED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))
TERMINAL_RESET = (
    "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l"  # mouse reporting off
    "\x1b[?2004l\x1b[?2048l\x1b[?1004l"  # bracketed paste, in-band resize, focus events off
    "\x1b[<u\x1b[?7h\x1b[0m"  # kitty keyboard protocol popped, line wrap on, colours reset
    "\x1b[?1049l\x1b[?25h"  # main screen, cursor shown
)
"""What Textual's ``LinuxDriver.stop_application_mode`` undoes, written blind: each is harmless if unset."""
_LOG_TAIL_BYTES = 1024 * 1024
"""How much of the log end is searched for llama.cpp's message: faulthandler's dump of every thread's stack follows
it, and with the TUI's threads that dump alone can pass 16 KiB."""
_MESSAGE = re.compile(r"(GGML_ASSERT\(.*\) failed|GGML_ABORT.*|fatal error.*|terminate called.*)")


def enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get(SUPERVISE_ENV, "1") != "0"


def run_guarded(run: Callable[[], int], *, log_file: Path, restore_terminal: bool) -> int:
    """``run()`` in a child process; its exit code, or 2 and one line if it died by a crash signal."""
    terminal = _save_terminal() if restore_terminal else None
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    # A ``kill`` that lands between the fork and the parent's forwarding handlers would end the parent and
    # leave the child running: the forwarded signals wait, blocked, until each side has its handlers.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return _in_child(run, log_file)
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # the child keeps the handlers it had
        return _in_child(run, log_file)
    return _wait(pid, log_file, terminal, blocked)


def _in_child(run: Callable[[], int], log_file: Path) -> int:
    os.environ.setdefault("GGML_NO_BACKTRACE", "1")
    os.environ[SUPERVISE_ENV] = "0"  # a shotglass started from here is not supervised twice
    _divert_c_stderr(log_file)
    return run()


def _divert_c_stderr(log_file: Path) -> None:
    """Point fd 2 at the log and Python's stderr at a duplicate of the old fd 2. If the log cannot be
    opened (a full or read-only disk), nothing changes: the command then says so itself."""
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        old = sys.stderr
        terminal_fd = os.dup(2)
        stream = io.TextIOWrapper(
            io.FileIO(terminal_fd, "w"),
            encoding=getattr(old, "encoding", None) or "utf-8",
            errors=getattr(old, "errors", None) or "backslashreplace",
            line_buffering=True,
        )
        os.dup2(log_fd, 2)
    except OSError:
        return
    finally:
        os.close(log_fd)
    sys.stderr = stream
    sys.__stderr__ = stream  # type: ignore[misc]  # Textual draws on it: the terminal, not the log
    faulthandler.enable(file=2, all_threads=True)


def _save_terminal() -> tuple[int, list] | None:
    try:
        import termios

        fd = sys.stdin.fileno()
        if os.isatty(fd):
            return fd, termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):
        pass
    return None


def _restore_terminal(terminal: tuple[int, list] | None) -> None:
    if terminal is None:
        return
    import termios

    fd, attrs = terminal
    try:
        termios.tcsetattr(fd, termios.TCSADRAIN, attrs)
    except (termios.error, OSError):
        pass
    try:
        if os.isatty(2):
            os.write(2, TERMINAL_RESET.encode())
    except OSError:
        pass


def _wait(pid: int, log_file: Path, terminal: tuple[int, list] | None, blocked: set[int | signal.Signals]) -> int:
    """Ctrl+C reaches the child through the terminal (it stops a reply or a command there); the parent
    only passes on what is sent to it alone (a ``kill``), and waits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for forwarded in FORWARDED:
        signal.signal(forwarded, lambda number, _frame: _forward(pid, number))
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a kill that came meanwhile is forwarded now
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            return 1
        except InterruptedError:  # pragma: no cover - PEP 475 retries waitpid itself
            continue
    if not os.WIFSIGNALED(status):
        return os.waitstatus_to_exitcode(status)
    number = os.WTERMSIG(status)
    _restore_terminal(terminal)
    name = _signal_name(number)
    if number in CRASH_SIGNALS:
        detail = _last_message(log_file)
        print(
            f"shotglass: error: llama.cpp crashed ({name}{': ' + detail if detail else ''}); "
            f"the model file is likely corrupt; details in {log_file}",
            file=sys.stderr,
        )
        return CRASH_EXIT
    if number == getattr(signal, "SIGKILL", None):
        print(f"shotglass: error: killed ({name}; out of memory?)", file=sys.stderr)
    return 128 + number


def _forward(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except OSError:
        pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _last_message(log_file: Path) -> str:
    """llama.cpp's own words for the crash (``ops.cpp:4132: GGML_ASSERT(eps >= 0.0f) failed``), from the
    end of the log, without the build directory's path."""
    try:
        with log_file.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - _LOG_TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    for line in reversed(tail.splitlines()):
        match = _MESSAGE.search(line)
        if match:
            where = re.search(r"([\w.-]+\.(?:c|cc|cpp|h)):(\d+): $", line[: match.start()])
            text = (f"{where.group(1)}:{where.group(2)}: " if where else "") + match.group(1)
            text = "".join(char if char.isprintable() else "?" for char in text)
            return text if len(text) <= 160 else text[:159] + "…"
    return ""
