"""Media: the video codec (PyAV probe, decode, H.264 encode), frame geometry for the generative
models, and what every model backend shares on a GPU."""
from resources.media.allocator import limit_malloc_arenas

# Every process that handles video imports this package first (the Dagster run, a Spark
# worker): cap its malloc arenas before its codec threads start (allocator.py says why).
limit_malloc_arenas()
