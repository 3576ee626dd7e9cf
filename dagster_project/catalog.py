"""Every asset and asset check of the factory, gathered from their modules: ``assets/`` (one
module per table) and ``dagster_project/checks.py``. The definitions, the CLI and the tests
all take them from here, so none of them keeps a list by hand."""
from __future__ import annotations

import dagster as dg

import assets
from dagster_project import checks

# Who answers for the tables: one team today; the UI shows it on every asset and filters by it.
OWNER = "team:data-factory"

ASSETS: list[dg.AssetsDefinition] = [
    a.map_asset_specs(lambda spec: spec.replace_attributes(owners=[OWNER]))
    for a in dg.load_assets_from_package_module(assets) if isinstance(a, dg.AssetsDefinition)
]
CHECKS: list[dg.AssetChecksDefinition] = list(dg.load_asset_checks_from_modules([checks]))


def assets_named(*names: str) -> list[dg.AssetsDefinition]:
    """The assets of these tables, in the order named (a KeyError names one that does not exist)."""
    by_name = {a.key.to_user_string(): a for a in ASSETS}
    return [by_name[n] for n in names]


def checks_on(*names: str) -> list[dg.AssetChecksDefinition]:
    """The cross-table checks of these tables."""
    return [c for c in CHECKS if {k.asset_key.to_user_string() for k in c.check_keys} & set(names)]
