"""Read-side queries: Core ``select``s straight into read models, no unit of work."""
