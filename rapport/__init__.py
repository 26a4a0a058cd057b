"""Orchestration above connectors and models: the worker that owns the analytical store in the deployment with
dashboard replicas (load → build → publish a snapshot), and the snapshots the replicas read."""
