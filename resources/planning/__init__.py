"""The planning stage: the scenario spec (YAML) and the transfer plan that closes the gap
between what the kept clips cover and what the spec asks for (transfer_plan).

``engine.py`` reads the spec and plans recipes, ``stage.py`` plans one day, ``commit.py``
commits the spec and the plan. Planning has no backends: it runs the same everywhere.
"""
