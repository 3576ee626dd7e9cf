"""The executor setting and the Pipes clients it makes, without a cluster: in process by default;
local Spark through a subprocess; EMR Serverless and EMR through dagster-aws, with the job
parameters they would start (nothing here reaches AWS)."""
import json
import os
import shlex

import dagster as dg
import pytest

from assets.curated_clips import curated_clips
from assets.evaluated_samples import evaluated_samples
from assets.tokenized_shards import tokenized_shards
from assets.transferred_variants import transferred_variants
from dagster_project.configurable import ExecutionResource
from dagster_project.spark_launch import launch, pipes_client
from resources.curation.stage import STAGE as CURATION
from resources.evaluation.stage import STAGE as EVALUATION
from resources.execution.settings import ExecutionSettings, emr_job_flow_params, emr_serverless_params, local_command
from resources.tokenization.stage import STAGE as TOKENIZATION
from resources.transfer.stage import STAGE as TRANSFER

EMR_SERVERLESS = {
    "mode": "emr_serverless",
    "aws_region": "eu-west-1",
    "emr_code_uri": "s3://factory-code/v1/",
    "emr_python_archive": "s3://factory-code/v1/factory-env.tar.gz",
    "emr_application_id": "00fabcdef123",
    "emr_execution_role_arn": "arn:aws:iam::123456789012:role/factory-emr",
}
EMR = {
    "mode": "emr",
    "aws_region": "eu-west-1",
    "emr_code_uri": "s3://factory-code/v1",
    "emr_python_archive": "s3://factory-code/v1/factory-env.tar.gz",
    "emr_log_uri": "s3://factory-logs/emr/",
    "emr_messages_bucket": "factory-pipes",
}


@pytest.fixture(autouse=True)
def _no_executor_env(monkeypatch):
    for var in [v for v in os.environ if v.startswith("FACTORY_EXECUTOR_")]:
        monkeypatch.delenv(var)


def test_in_process_is_the_default_and_needs_no_client():
    settings = ExecutionResource().settings()
    assert settings.mode == "inprocess" and not settings.on_spark
    with pytest.raises(ValueError, match="runs in process"):
        pipes_client(settings)


def test_settings_come_from_the_environment_when_unset(monkeypatch):
    monkeypatch.setenv("FACTORY_EXECUTOR_MODE", "local_spark")
    monkeypatch.setenv("FACTORY_EXECUTOR_SPARK_MASTER", "local[4]")
    monkeypatch.setenv("FACTORY_EXECUTOR_SPARK_CONF", "spark.executor.memory=4g, spark.sql.shuffle.partitions=16")
    settings = ExecutionResource().settings()
    assert (settings.mode, settings.spark_master) == ("local_spark", "local[4]")
    assert settings.conf == {"spark.executor.memory": "4g", "spark.sql.shuffle.partitions": "16"}
    # A value given to the resource (or in the run's config) wins over the environment.
    assert ExecutionResource(spark_master="local[1]").settings().spark_master == "local[1]"


def test_bad_settings_are_refused_with_the_variables_to_set():
    with pytest.raises(ValueError, match="not one of inprocess, local_spark, emr_serverless, emr"):
        ExecutionResource(mode="ray").settings()
    with pytest.raises(ValueError, match="FACTORY_EXECUTOR_EMR_APPLICATION_ID.*FACTORY_EXECUTOR_EMR_EXECUTION_ROLE_ARN"):
        ExecutionResource(**{**EMR_SERVERLESS, "emr_application_id": None, "emr_execution_role_arn": None}).settings()
    with pytest.raises(ValueError, match="FACTORY_EXECUTOR_EMR_MESSAGES_BUCKET"):
        ExecutionResource(**{**EMR, "emr_messages_bucket": None}).settings()
    with pytest.raises(ValueError, match="key=value"):
        ExecutionResource(spark_conf=["spark.executor.memory"]).settings()


def test_every_heavy_stage_needs_the_executor_that_every_environment_binds():
    for asset in (curated_clips, transferred_variants, evaluated_samples, tokenized_shards):
        assert "executor" in asset.required_resource_keys
        assert "executor" not in asset.resource_defs  # bound with the others, not on the asset (a beta feature)
    stages = {s.table: s.job for s in (CURATION, TRANSFER, EVALUATION, TOKENIZATION)}
    assert stages == {"curated_clips": "curation", "transferred_variants": "transfer", "evaluated_samples": "evaluation", "tokenized_shards": "tokenization"}
    assert all(a.key.to_user_string() in stages for a in (curated_clips, transferred_variants, evaluated_samples, tokenized_shards))
    from dagster_project.definitions import defs
    from dagster_project.resources import resources_for

    assert defs.resolve_job_def("factory_job") is not None
    assert isinstance(resources_for("local")["executor"], ExecutionResource)


def test_local_spark_runs_the_job_module_in_a_subprocess():
    settings = ExecutionResource(mode="local_spark").settings()
    client = pipes_client(settings)
    assert isinstance(client, dg.PipesSubprocessClient)
    command = local_command(settings, "curation")
    assert command[1:] == ["-m", "spark_jobs.curation"]
    assert client.env["PYSPARK_PYTHON"] == command[0]


def test_emr_serverless_gets_the_dagster_aws_client_and_a_job_run(monkeypatch):
    from dagster_aws.pipes import PipesCloudWatchMessageReader, PipesEMRServerlessClient

    settings = ExecutionResource(**EMR_SERVERLESS).settings()
    client = pipes_client(settings)
    assert isinstance(client, PipesEMRServerlessClient) and isinstance(client.message_reader, PipesCloudWatchMessageReader)
    assert client.client.meta.region_name == "eu-west-1"
    params = emr_serverless_params(settings, "evaluation", "factory-evaluation-2026-11-20")
    assert params["applicationId"] == "00fabcdef123" and params["executionRoleArn"].endswith("role/factory-emr")
    submit = params["jobDriver"]["sparkSubmit"]
    assert submit["entryPoint"] == "s3://factory-code/v1/spark_jobs/evaluation.py"
    conf = dict(arg.split("=", 1) for arg in shlex.split(submit["sparkSubmitParameters"]) if arg != "--conf")
    assert conf["spark.archives"] == "s3://factory-code/v1/factory-env.tar.gz#environment"
    assert conf["spark.emr-serverless.driverEnv.PYSPARK_PYTHON"] == conf["spark.executorEnv.PYSPARK_PYTHON"] == "./environment/bin/python"
    # The Pipes messages come back through the driver's stdout in CloudWatch.
    assert params["configurationOverrides"]["monitoringConfiguration"]["cloudWatchLoggingConfiguration"]["enabled"] is True


def test_emr_gets_the_dagster_aws_client_and_a_cluster_with_one_step():
    from dagster_aws.pipes import PipesEMRClient, PipesS3MessageReader

    settings = ExecutionResource(**EMR, spark_conf=["spark.executor.memory=8g"]).settings()
    client = pipes_client(settings)
    assert isinstance(client, PipesEMRClient) and isinstance(client.message_reader, PipesS3MessageReader)
    assert client.message_reader.bucket == "factory-pipes"
    params = emr_job_flow_params(settings, "tokenization", "factory-tokenization-2026-11-20")
    (step,) = params["Steps"]
    args = step["HadoopJarStep"]["Args"]
    assert args[:3] == ["spark-submit", "--deploy-mode", "cluster"] and args[-1] == "s3://factory-code/v1/spark_jobs/tokenization.py"
    assert "spark.executor.memory=8g" in args and "spark.archives=s3://factory-code/v1/factory-env.tar.gz#environment" in args
    assert params["Instances"]["KeepJobFlowAliveWhenNoSteps"] is False and params["LogUri"] == "s3://factory-logs/emr/"
    assert params["Applications"] == [{"Name": "Spark"}]


def test_emr_modes_refuse_a_lake_that_is_not_on_s3():
    settings = ExecutionSettings.resolve(EMR_SERVERLESS)
    with pytest.raises(ValueError, match="needs the lake on S3"):
        launch(None, settings, "curation", {"lake_root": "/data/lake"})


def test_materialization_metadata_survives_the_pipes_protocol(tmp_path):
    """What a Spark job reports is what the in-process asset would have returned."""
    from dagster._core.definitions.metadata.external_metadata import metadata_map_from_external

    from dagster_project.metadata import to_result
    from resources.lake import Lake
    from resources.lake.publish import Publication
    from resources.lake.report import Json, report
    from spark_jobs.job import pipes_metadata
    from tests.conftest import table_rows

    lake = Lake(str(tmp_path / "lake"))
    lake.merge("curated_clips", table_rows("curated_clips", ["c1", "c2"]))
    plain = report(lake, "curated_clips", Publication("curated_clips", rows_inserted=2, versions=[0]), partition="2026-11-20",
                   drop_reasons=Json({"static": 1}), embedder="classical-descriptor-v1")
    result = to_result(plain)  # what the in-process asset returns
    wire = json.loads(json.dumps(pipes_metadata(plain.metadata)))  # what the Spark job sends, as it travels
    back = metadata_map_from_external(wire)
    assert back["dagster/column_schema"].schema == result.metadata["dagster/column_schema"]
    assert back["dagster/column_lineage"].column_lineage == result.metadata["dagster/column_lineage"]
    assert back["drop_reasons"].data == {"static": 1}
    assert back["delta_version"].value == 0 and back["dagster/row_count"].value == 2 and back["rows_inserted"].value == 2
    assert back["embedder"].value == "classical-descriptor-v1" and back["dagster/uri"].value == lake.table_uri("curated_clips")
    assert set(back) == set(result.metadata)
