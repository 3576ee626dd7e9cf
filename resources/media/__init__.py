"""Media: the video codec (PyAV probe, decode, H.264 encode), frame geometry for the generative
models, and what every model backend shares on a GPU."""
