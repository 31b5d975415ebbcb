"""The built-in scenarios, shipped as package data: one YAML file per scenario here, sweep
specs in `sweeps/`. No code: `sim.scenario.scenario_dir()` finds this folder through
`importlib.resources`, so a normal install (wheel) has them too."""
