"""Where footage comes from: the landing zone (a local directory or an S3 prefix), ingest (hash,
probe, store once, or reject with a reason) and the pybullet simulator; ``stage.py`` makes one
day of raw_footage from them."""
