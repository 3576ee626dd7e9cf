"""The lake: Delta tables (delta-rs) and an immutable blob store under one root, and what keeps
them trustworthy - write-audit-publish, rejects, releases, maintenance and row lineage."""
from resources.lake.lake import CommitInfo, Lake

__all__ = ["CommitInfo", "Lake"]
