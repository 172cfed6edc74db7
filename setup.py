"""Only what pyproject.toml cannot say: the packages are found, and the shipped profiles at the top of the
repository (profiles/, no ``__init__``) are added as ``tui.profiles`` (mapped in pyproject's package-dir)."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["tui", "tui.*"]), "tui.profiles"])
