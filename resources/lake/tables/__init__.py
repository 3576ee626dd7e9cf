"""The lake's tables, one module each: name, key and Arrow schema (``spec.py`` says what a
table is; ``column_lineage.py`` where derived columns come from)."""
from __future__ import annotations

from resources.lake.tables.column_lineage import COLUMN_LINEAGE
from resources.lake.tables.coverage_report import COVERAGE_REPORT
from resources.lake.tables.curated_clips import CURATED_CLIPS
from resources.lake.tables.dataset_releases import DATASET_RELEASES
from resources.lake.tables.evaluated_samples import EVALUATED_SAMPLES, CHECK_STRUCT
from resources.lake.tables.downstream_evals import DOWNSTREAM_EVALS
from resources.lake.tables.episodes import EPISODES
from resources.lake.tables.evaluation_summary import EVALUATION_SUMMARY
from resources.lake.tables.failure_coverage import FAILURE_COVERAGE
from resources.lake.tables.failure_log import FAILURE_LOG
from resources.lake.tables.lerobot_exports import LEROBOT_EXPORTS
from resources.lake.tables.raw_footage import RAW_FOOTAGE
from resources.lake.tables.rejects import REJECTS, reject_row
from resources.lake.tables.scenario_spec import SCENARIO_SPEC
from resources.lake.tables.tokenized_shards import TOKENIZED_SHARDS
from resources.lake.tables.transfer_plan import TRANSFER_PLAN
from resources.lake.tables.transferred_variants import TRANSFERRED_VARIANTS
from resources.lake.tables.spec import TableSpec, row_key

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        RAW_FOOTAGE, CURATED_CLIPS, TRANSFERRED_VARIANTS, EVALUATED_SAMPLES, TOKENIZED_SHARDS, COVERAGE_REPORT, SCENARIO_SPEC,
        TRANSFER_PLAN, EVALUATION_SUMMARY, REJECTS, DATASET_RELEASES, EPISODES, LEROBOT_EXPORTS,
        FAILURE_LOG, FAILURE_COVERAGE, DOWNSTREAM_EVALS,
    )
}

__all__ = [
    "CHECK_STRUCT", "COLUMN_LINEAGE", "TABLES", "TableSpec", "reject_row", "row_key",
    'RAW_FOOTAGE', 'CURATED_CLIPS', 'TRANSFERRED_VARIANTS', 'EVALUATED_SAMPLES', 'TOKENIZED_SHARDS', 'COVERAGE_REPORT', 'SCENARIO_SPEC', 'TRANSFER_PLAN', 'EVALUATION_SUMMARY', 'REJECTS', 'DATASET_RELEASES', 'EPISODES', 'LEROBOT_EXPORTS', 'FAILURE_LOG', 'FAILURE_COVERAGE', 'DOWNSTREAM_EVALS',
]
