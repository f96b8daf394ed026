"""Mindhaven: a self-hostable platform for mental-health support."""

__version__ = "0.1.0"
