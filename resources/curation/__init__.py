"""The curation stage: raw footage split into shots, scored, filtered, captioned, embedded and
deduplicated (curated_clips).

``engine.py`` is the Curator (one decode pass: split, score, encode), ``stage.py`` turns one
footage into clip rows, ``dedup.py`` decides repeats in one fixed order, ``commit.py`` commits
each footage, ``coverage.py`` makes the coverage report, and ``backends/`` holds the embedders
and captioners.
"""
