"""Robust multi-objective design of institutions (issue 15): levers a designer chooses,
uncertainties about the world, objectives and constraints, searched by NSGA-II across a shared
ensemble of worlds (Lempert et al. 2006; Kasprzyk et al. 2013). `spec` reads a design spec,
`encoding` maps levers to the unit cube, `robust` aggregates across worlds, `search` runs it
(`instalign design`, sim/cli/design.py). Nothing here is imported by the simulator itself."""
