"""Headless subcommands. Each takes parsed arguments and injected collaborators, and returns an exit code."""
