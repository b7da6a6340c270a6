"""The `threadscope` command (also `python -m tui`)."""

from tui.startup import hold_collector


def run() -> None:
    hold_collector()  # given back after the first paint, or as a non-TUI command starts
    from tui.cli import main

    main()


if __name__ == "__main__":
    run()
