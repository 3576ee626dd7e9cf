"""The Dagster code location of the physical-AI data factory."""
