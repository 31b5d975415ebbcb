"""Analysis and publication figures on top of sweep stores: statistics (`stats`, `sensitivity`,
`prim`, `frontiers`, `survival`), the figure registry (`figures`), static export with
provenance (`export`, `metadata`), the HTML report (`report`) and the CLI (`cli`). See
docs/figures.md. Depends on `sim`; `sim` never imports it."""
