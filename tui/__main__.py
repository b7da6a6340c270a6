"""`python -m tui` runs the threadscope command line."""

from tui.cli import main

if __name__ == "__main__":
    main()
