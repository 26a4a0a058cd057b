"""Render helpers: take data from the query layer and draw it; untrusted text only ever as plain text."""
