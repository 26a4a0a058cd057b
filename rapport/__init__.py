"""Orchestration above connectors and models: the command line (`python -m rapport`: load, sync or demo, then
build), and the worker that owns the analytical store in the deployment with dashboard replicas (load → build →
publish a snapshot)."""
