"""Benchmarks (not timed tests): `python -m benchmarks` runs every `bench_*.py` module here
that exposes `main()`. Each reports ratios against a baseline run in the same process where
it can, so numbers compare across machines."""
