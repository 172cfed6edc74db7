"""The prompt lab's measurements, engine-free: scoring rules, run plans, tallies, confusion and advice.

Shared by ``shotglass eval`` and the TUI's eval screen so both compute the same numbers from the same replies.
"""
