"""Connectors: bring customers, purchases, tickets, comments and social posts from files and APIs into raw tables."""
