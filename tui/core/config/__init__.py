"""``config.toml``: the defaults people set once (model, profile, context, threads, GPU layers, system prompt,
theme, and ``[keys]``, the key remaps), parsed and validated here without I/O; files are read and written at
the edges (``tui/commands/config.py``)."""
