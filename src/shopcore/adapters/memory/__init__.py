"""In-memory adapters of every port: fast, deterministic, and held to the same
contract tests as the SQL adapters."""
