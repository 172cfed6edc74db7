"""Lets ``python -m tui`` behave exactly like the installed ``shotglass`` command."""

from tui.cli import main

raise SystemExit(main())
