"""Robot episodes: one time window of action-labelled, multi-camera data.

``frames.py`` is an episode's per-frame record (timestamps, observation state, action, boxes)
as stored beside its camera footage; ``lerobot_v3.py`` reads and writes LeRobot v3 datasets;
``stage.py`` makes the ``episodes`` table from raw_footage and the LeRobot export from it.
"""
