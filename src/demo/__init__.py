"""Demo and city data for development, tests and benchmarks: never imported by the domain or the web layer, only by
the `ract demo-data` command."""
