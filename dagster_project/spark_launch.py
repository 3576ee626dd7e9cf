"""The Dagster Pipes clients that run a stage's Spark job, and the launch itself.

The settings and the job parameters are plain (resources/execution/settings.py); here they
meet Dagster: ``dg.PipesSubprocessClient`` for ``local_spark``, dagster-aws's EMR Serverless
and EMR clients for the two EMR modes. docs/spark.md has the walk-through.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dagster as dg

from resources.execution.settings import ExecutionSettings, emr_job_flow_params, emr_serverless_params, local_command


def pipes_client(settings: ExecutionSettings) -> dg.PipesClient:
    """The Pipes client of the mode: subprocess, EMR Serverless or EMR (boto3 clients made here,
    with credentials from the environment or the instance role)."""
    if settings.mode == "local_spark":
        # The job module is found beside this package, installed or not; the working directory
        # (and so every relative path in the settings) stays the caller's.
        path = os.pathsep.join(p for p in (str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH")) if p)
        return dg.PipesSubprocessClient(env={"PYSPARK_PYTHON": settings.python or sys.executable, "PYTHONPATH": path})
    import boto3

    region = {"region_name": settings.aws_region} if settings.aws_region else {}
    if settings.mode == "emr_serverless":
        from dagster_aws.pipes import PipesCloudWatchMessageReader, PipesEMRServerlessClient

        return PipesEMRServerlessClient(client=boto3.client("emr-serverless", **region), message_reader=PipesCloudWatchMessageReader(client=boto3.client("logs", **region)))
    if settings.mode == "emr":
        from dagster_aws.pipes import PipesEMRClient, PipesS3MessageReader

        return PipesEMRClient(client=boto3.client("emr", **region), message_reader=PipesS3MessageReader(bucket=settings.emr_messages_bucket, client=boto3.client("s3", **region)))
    raise ValueError(f"mode {settings.mode} runs in process: there is no Pipes client to make")


def launch(context: dg.AssetExecutionContext, settings: ExecutionSettings, job: str, extras: dict) -> dg.MaterializeResult:
    """Run the stage's Spark job (``spark_jobs/<job>.py``) through Pipes; the job's reported
    materialization comes back."""
    if settings.mode.startswith("emr") and not extras["lake_root"].startswith("s3://"):
        raise ValueError(f"executor mode {settings.mode} needs the lake on S3 (FACTORY_LAKE_ROOT=s3://...), not {extras['lake_root']}")
    client = pipes_client(settings)
    extras = {**extras, "job": job, "executor": settings.mode}
    run_name = f"factory-{job}-{context.partition_key}-{context.run.run_id[:8]}"
    context.log.info(f"running {context.asset_key.to_user_string()} as the Spark job spark_jobs/{job}.py ({settings.mode})")
    if settings.mode == "local_spark":
        extras["spark"] = {"master": settings.spark_master, "conf": settings.conf}
        invocation = client.run(context=context, command=local_command(settings, job), extras=extras)
    elif settings.mode == "emr_serverless":
        invocation = client.run(context=context, start_job_run_params=emr_serverless_params(settings, job, run_name), extras=extras)
    else:
        invocation = client.run(context=context, run_job_flow_params=emr_job_flow_params(settings, job, run_name), extras=extras)
    return invocation.get_materialize_result()


def job_extras(lake_root: str, engines: dict[str, dict[str, Any]], inputs: tuple[str, ...], versions: dict[str, int | None]) -> dict:
    """What a Spark job is told: the lake, each engine's settings (it rebuilds the engines from
    them) and the Delta version of each input, pinned when the asset launched."""
    return {"lake_root": lake_root, "engines": engines, "input_versions": {t: versions.get(t) for t in inputs}}
