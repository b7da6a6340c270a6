"""httpx's command-line tool stays out of threadscope's start, and still works when called."""

import subprocess
import sys


def run(code: str) -> subprocess.CompletedProcess:
    # A fresh interpreter: this test process imported httpx (the real _main) long ago.
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_importing_threadscope_then_httpx_loads_no_cli_libraries():
    proc = run(
        "import sys, tui.api.client, httpx\n"
        "print(sorted(m for m in ('click', 'pygments', 'rich.progress', 'rich.syntax') if m in sys.modules))\n"
        "print(type(httpx.Client).__name__)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[]", "type"]


def test_httpx_main_loads_the_real_cli_on_first_call():
    proc = run("import tui, httpx\nhttpx.main(['--help'])")
    assert proc.returncode == 0, proc.stderr
    assert "A next generation HTTP client." in proc.stdout
    assert "Usage:" in proc.stdout


def test_httpx_main_works_as_the_click_command_it_stands_in_for():
    proc = run(
        "import importlib.util, sys, tui, httpx\n"
        "print(importlib.util.find_spec('httpx._main').name, 'click' in sys.modules)\n"
        "from click.testing import CliRunner\n"
        "result = CliRunner().invoke(httpx.main, ['--help'])\n"
        "print(result.exit_code, 'A next generation HTTP client.' in result.output, httpx.main.name)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["httpx._main False", "0 True main"]


def test_nothing_changes_when_httpx_was_imported_first():
    proc = run(
        "import sys, httpx\nreal = sys.modules['httpx._main']\n"
        "from tui.lazy_httpx_cli import defer_httpx_cli\n"
        "print(defer_httpx_cli(), sys.modules['httpx._main'] is real)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True"]
