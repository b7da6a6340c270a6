"""A terminal program in a private tmux server: keys in, screen and clipboard (OSC 52) out.

Modelled on the team's tmux_term tool; small enough to vendor so CI needs only tmux.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


class Term:
    def __init__(self, argv: list[str], env: dict[str, str], width: int = 140, height: int = 40) -> None:
        self.sock = f"ts-e2e-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        full_env = dict(os.environ, **env)
        full_env["TERM"] = "xterm-256color"
        full_env.pop("TMUX", None)
        command = " ".join(_quote(a) for a in argv)
        self._tmux("start-server", ";", "set-option", "-g", "set-clipboard", "on",
                   ";", "set-option", "-g", "remain-on-exit", "on", ";", "set-option", "-g", "escape-time", "0",
                   ";", "new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), command, env=full_env)

    def _tmux(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        result = subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", *args],
                                capture_output=True, text=True, env=env, timeout=20)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main", check=False)

    def alive(self) -> bool:
        return self._tmux("display-message", "-p", "-t", "main", "#{pane_dead}", check=False).strip() == "0"

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """The screen once it shows `text`; fails the test with the last screen otherwise."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            if not self.alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "main", key)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def burst(self, text: str, *keys: str) -> None:
        """`text` then `keys` in one tmux call: they reach the app together, as a paste or a fast typist's do."""
        self._tmux("send-keys", "-t", "main", "-l", text, *[arg for key in keys for arg in (";", "send-keys", "-t", "main", key)])

    def clipboard(self, want: str, timeout: float = 10.0) -> str:
        """tmux's paste buffer (where OSC 52 lands) once it equals `want`, else its last content."""
        deadline = time.monotonic() + timeout
        buffer = ""
        while time.monotonic() < deadline:
            buffer = self._tmux("show-buffer", check=False).strip()
            if buffer == want:
                break
            time.sleep(0.1)
        return buffer

    def wait_dead(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return True
            time.sleep(0.1)
        return False

    def close(self) -> None:
        self._tmux("kill-server", check=False)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
