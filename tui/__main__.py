"""The `threadscope` command (also `python -m tui`)."""

from tui.startup import start_command


def run() -> None:
    start_command()  # the collector: given back after the first paint, or as a non-TUI command starts
    from tui.cli import main

    main()


if __name__ == "__main__":
    run()
