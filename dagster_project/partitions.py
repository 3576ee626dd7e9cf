"""How the tables are split and refreshed: by the day footage landed, downstream kept fresh."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import dagster as dg

from dagster_project.settings import DEMO_LANDING_DIR


def first_day(landing: str | None = None) -> str:
    """The first daily partition: ``FACTORY_FIRST_DAY`` when set (what a deployment should pin,
    so its partitions never depend on what the landing zone holds today), else the first day
    with footage in the landing zone, else today. A fixed early start date would show every day
    before the first footage as missing, and invite a backfill of hundreds of empty days."""
    if pinned := os.environ.get("FACTORY_FIRST_DAY"):
        return datetime.strptime(pinned, "%Y-%m-%d").strftime("%Y-%m-%d")  # a typo fails the load, not a run
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    from resources.sources.landing import LandingZone

    uri = landing or os.environ.get("FACTORY_LANDING_DIR") or os.environ.get("FACTORY_LANDING_PATH") or str(DEMO_LANDING_DIR)
    try:
        days = LandingZone(uri).days()
    except (OSError, ValueError):  # an unreachable zone must not stop the code location from loading
        return today
    return min(days[0], today) if days else today


# The day footage landed (UTC). end_offset=1 makes today's partition exist, so footage that
# lands today can be processed today by the landing-zone sensor; the nightly schedule then
# refreshes the day just ended.
DAILY = dg.DailyPartitionsDefinition(start_date=first_day(), timezone="UTC", end_offset=1)

# Derived assets follow their upstreams automatically, but only once every blocking check
# on those upstreams has passed: a failed gate stops the refresh across runs, not just
# within one.
REFRESH_WHEN_UPSTREAM_PASSES = dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
