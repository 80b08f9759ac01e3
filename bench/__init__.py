"""Load benchmarks of shopcore: ``python -m bench`` (how to read them: docs/performance.md)."""
