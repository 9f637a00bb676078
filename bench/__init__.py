"""Benchmarks and the load-and-fault run: see docs/benchmarks.md."""
