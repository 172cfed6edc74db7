"""Built-in decoding profiles, one TOML file each; installed with the wheel as ``tui.profiles``."""
