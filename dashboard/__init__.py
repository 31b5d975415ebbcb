"""The instalign dashboard (Dash): Explore, Compare and Sweeps pages on the same `sim/` and
`analysis/` functions as the CLI. `instalign dashboard`, `python -m dashboard.demo` (`make
run`) or `dashboard.wsgi:server` for gunicorn/waitress; see docs/dashboard.md."""
