"""Where the heavy stages run: the executor settings (in process, local Spark, EMR) and the Spark
sessions that read the lake's Delta snapshots."""
