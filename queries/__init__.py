"""The read API of the dashboard: the only module pages call for data. Every function takes an optional
connection (benchmarks and tests pass their own; the app uses its shared one) and returns plain data."""

from queries import actions, customers, inbox, leadership, sources

__all__ = ["actions", "customers", "inbox", "leadership", "sources"]
