"""The prompt lab: the eval screen, its widgets and the item view."""
