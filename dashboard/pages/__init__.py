"""The dashboard's pages: each module has TITLE, `layout(search, ctx)` and `register(app, ctx)`."""
