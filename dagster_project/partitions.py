"""How the tables are split and refreshed: by the day footage landed, downstream kept fresh."""
import dagster as dg

# The day footage landed (UTC). end_offset=1 makes today's partition exist, so footage that
# lands today can be processed today by the landing-zone sensor; the nightly schedule then
# refreshes the day just ended.
DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone="UTC", end_offset=1)

# Derived assets follow their upstreams automatically, but only once every blocking check
# on those upstreams has passed: a failed gate stops the refresh across runs, not just
# within one.
REFRESH_WHEN_UPSTREAM_PASSES = dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
