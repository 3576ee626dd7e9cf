"""The evaluation stage: every variant and original clip scored check by check (evaluated_samples).

``engine.py`` is the Evaluator (checks against thresholds, the verdict), ``metrics.py`` and
``adherence.py`` the measurements, ``stage.py`` scores a clip and its variants, ``commit.py``
commits the day's samples, ``summary.py`` makes evaluation_summary, and ``backends/`` holds the
VLM critic and the depth estimator.
"""
