"""Control tests: ``control_fixtures`` (this directory) builds small inventories."""
