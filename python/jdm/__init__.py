"""JDM registry warehouse: synthetic extracts, landing, statistics and CLI."""

__version__ = "0.1.0"
