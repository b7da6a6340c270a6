"""The `threadscope` command (also `python -m tui`)."""

import os


def run() -> None:
    # threadscope's models take no pydantic plugins: skip pydantic's scan for them (an explicit setting wins).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from tui.cli import main

    main()


if __name__ == "__main__":
    run()
