"""Where a heavy stage runs: the settings, and what each Spark mode is launched with.

``inprocess`` (the default) runs the stage inside the Dagster step. The other modes run the
stage's Spark job (``spark_jobs/<job>.py``) through Dagster Pipes, which carries the partition,
the settings and the pinned input versions to the job and the job's materialization back:

- ``local_spark``: ``python -m spark_jobs.<job>`` in a subprocess (``dg.PipesSubprocessClient``);
  the job starts a SparkSession with master ``spark_master`` (``local[N]``).
- ``emr_serverless``: dagster-aws ``PipesEMRServerlessClient`` starts a job run of the entry
  point ``<emr_code_uri>/spark_jobs/<job>.py`` on an existing application; messages come back
  through CloudWatch (the job run's driver stdout).
- ``emr``: dagster-aws ``PipesEMRClient`` starts a cluster (``run_job_flow``) with one
  spark-submit step that terminates with it; messages come back through S3.

On both EMR modes the Python environment is a venv-pack archive of this project
(``emr_python_archive``), and the lake must be on S3. The Pipes clients themselves are the
Dagster side's (dagster_project/spark_launch.py); docs/spark.md has the walk-through.
"""
from __future__ import annotations

import dataclasses
import shlex
import sys
from dataclasses import dataclass
from typing import Any

MODES = ("inprocess", "local_spark", "emr_serverless", "emr")


@dataclass(frozen=True)
class ExecutionSettings:
    mode: str = "inprocess"
    spark_master: str = "local[2]"  # local_spark
    spark_conf: tuple[str, ...] = ()  # key=value, passed to the session (every Spark mode)
    python: str = ""  # local_spark: the driver's interpreter; "": the one running Dagster
    aws_region: str = ""  # "": boto3's default (AWS_REGION / the instance's)
    emr_code_uri: str = ""  # s3://bucket/prefix holding spark_jobs/<job>.py (both EMR modes)
    emr_python_archive: str = ""  # s3://bucket/factory-env.tar.gz: `venv-pack` of this project (both EMR modes)
    emr_application_id: str = ""  # emr_serverless: a Spark application (release emr-7.x)
    emr_execution_role_arn: str = ""  # emr_serverless: the job run's role (S3 read/write on the lake)
    emr_log_group: str = "/aws/emr-serverless"  # emr_serverless: CloudWatch log group of the driver's stdout
    emr_release_label: str = "emr-7.9.0"  # emr: the cluster's release
    emr_instance_type: str = "m5.xlarge"  # emr
    emr_instance_count: int = 3  # emr: one primary, the rest core nodes
    emr_job_flow_role: str = "EMR_EC2_DefaultRole"  # emr: the instances' profile
    emr_service_role: str = "EMR_DefaultRole"  # emr
    emr_log_uri: str = ""  # emr: s3://bucket/prefix/ where the step's logs land (stdout/stderr forwarded)
    emr_messages_bucket: str = ""  # emr: bucket for the Pipes messages (PipesS3MessageReader)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"executor mode {self.mode!r} is not one of {', '.join(MODES)}")
        missing = [f for f in self.required_fields() if not getattr(self, f)]
        if missing:
            raise ValueError(f"executor mode {self.mode} needs " + ", ".join(f"FACTORY_EXECUTOR_{f.upper()}" for f in missing))
        for item in self.spark_conf:
            if "=" not in item:
                raise ValueError(f"spark_conf entries are key=value, not {item!r}")

    def required_fields(self) -> list[str]:
        if self.mode == "emr_serverless":
            return ["emr_code_uri", "emr_python_archive", "emr_application_id", "emr_execution_role_arn"]
        if self.mode == "emr":
            return ["emr_code_uri", "emr_python_archive", "emr_log_uri", "emr_messages_bucket"]
        return []

    @property
    def on_spark(self) -> bool:
        return self.mode != "inprocess"

    @property
    def conf(self) -> dict[str, str]:
        return dict(item.split("=", 1) for item in self.spark_conf)

    @classmethod
    def resolve(cls, values: dict[str, Any]) -> ExecutionSettings:
        """Settings from ``values`` (None or missing: the default), lists as tuples."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        clean = {}
        for name, value in values.items():
            if name not in fields or value is None:
                continue
            clean[name] = tuple(value) if isinstance(value, list) else int(value) if fields[name].type == "int" else value
        return cls(**clean)


# -- the Pipes clients -----------------------------------------------------------------------------
def entry_point(settings: ExecutionSettings, job: str) -> str:
    return f"{settings.emr_code_uri.rstrip('/')}/spark_jobs/{job}.py"


def _python_env_conf(settings: ExecutionSettings) -> dict[str, str]:
    """The venv-pack archive unpacked beside the driver and every executor, and its python used."""
    return {
        "spark.archives": f"{settings.emr_python_archive}#environment",
        "spark.pyspark.python": "./environment/bin/python",
    }


def local_command(settings: ExecutionSettings, job: str) -> list[str]:
    return [settings.python or sys.executable, "-m", f"spark_jobs.{job}"]


def emr_serverless_params(settings: ExecutionSettings, job: str, run_name: str) -> dict:
    """``start_job_run`` parameters (the client adds the Pipes environment to them)."""
    conf = {
        **_python_env_conf(settings),
        "spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON": "./environment/bin/python",
        "spark.emr-serverless.driverEnv.PYSPARK_PYTHON": "./environment/bin/python",
        "spark.executorEnv.PYSPARK_PYTHON": "./environment/bin/python",
        **settings.conf,
    }
    return {
        "applicationId": settings.emr_application_id,
        "executionRoleArn": settings.emr_execution_role_arn,
        "name": run_name,
        "jobDriver": {
            "sparkSubmit": {
                "entryPoint": entry_point(settings, job),
                "sparkSubmitParameters": " ".join(f"--conf {shlex.quote(f'{k}={v}')}" for k, v in conf.items()),
            }
        },
        # The Pipes messages travel in the driver's stdout, which CloudWatch keeps.
        "configurationOverrides": {
            "monitoringConfiguration": {
                "cloudWatchLoggingConfiguration": {"enabled": True, "logGroupName": settings.emr_log_group},
            }
        },
    }


def emr_job_flow_params(settings: ExecutionSettings, job: str, run_name: str) -> dict:
    """``run_job_flow`` parameters: a cluster with one spark-submit step that ends with it."""
    conf = {**_python_env_conf(settings), **settings.conf}
    submit = ["spark-submit", "--deploy-mode", "cluster"]
    for key, value in conf.items():
        submit += ["--conf", f"{key}={value}"]
    submit.append(entry_point(settings, job))
    return {
        "Name": run_name,
        "ReleaseLabel": settings.emr_release_label,
        "LogUri": settings.emr_log_uri,
        "Applications": [{"Name": "Spark"}],
        "Instances": {
            "InstanceGroups": [
                {"Name": "primary", "InstanceRole": "MASTER", "InstanceType": settings.emr_instance_type, "InstanceCount": 1},
                {"Name": "core", "InstanceRole": "CORE", "InstanceType": settings.emr_instance_type, "InstanceCount": max(1, settings.emr_instance_count - 1)},
            ],
            "KeepJobFlowAliveWhenNoSteps": False,
        },
        "Steps": [
            {"Name": run_name, "ActionOnFailure": "TERMINATE_CLUSTER", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": submit}},
        ],
        "JobFlowRole": settings.emr_job_flow_role,
        "ServiceRole": settings.emr_service_role,
        "VisibleToAllUsers": True,
    }
