"""A real Spark standalone cluster on 127.0.0.1 for tests and benches: one master and N workers,
each its own JVM, started from the pyspark distribution's own classes (``bin/spark-class
org.apache.spark.deploy.master.Master`` / ``...worker.Worker``; the wheel ships no
``sbin/start-master.sh``), stopped and cleaned up on exit."""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home(python: str) -> Path:
    """The pyspark distribution of ``python``: the cluster runs the Spark its drivers run."""
    out = subprocess.run([python, "-c", "import pyspark; print(pyspark.__file__)"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip()).parent


def _master_state(ui_port: int) -> dict:
    """The master's own view (its web UI's ``/json/``): workers, running and completed apps."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as response:
            return json.load(response)
    except OSError:
        return {}


def _alive_workers(ui_port: int) -> int:
    return sum(1 for w in _master_state(ui_port).get("workers", []) if w.get("state") == "ALIVE")


@contextlib.contextmanager
def standalone_cluster(
    folder: Path, workers: int = 2, cores: int = 1, memory: str = "1g", python: str = sys.executable, timeout_s: float = 120,
) -> Iterator[tuple[str, Callable[[], list[dict]]]]:
    """Yields the master URL ``spark://127.0.0.1:PORT``, once ``workers`` workers have registered,
    and a function that returns the applications the master has completed."""
    folder.mkdir(parents=True, exist_ok=True)
    home = spark_home(python)
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",  # every daemon listens on loopback only
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_WORKER_DIR": str(folder / "work"),
        "SPARK_DAEMON_MEMORY": "256m",
        "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    }
    port, ui_port = _free_port(), _free_port()
    master = f"spark://127.0.0.1:{port}"
    spark_class = str(home / "bin" / "spark-class")
    procs: list[subprocess.Popen] = []
    logs = []

    def start(name: str, args: list[str]) -> None:
        log = open(folder / f"{name}.log", "w")  # noqa: SIM115 - closed on exit below
        logs.append(log)
        procs.append(subprocess.Popen([spark_class, *args], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    try:
        start("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui_port)])
        for i in range(workers):
            start(f"worker-{i}", [
                "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", str(cores), "--memory", memory,
                "--webui-port", str(_free_port()), "--work-dir", str(folder / "work" / str(i)), master,
            ])
        deadline = time.monotonic() + timeout_s
        while _alive_workers(ui_port) < workers:
            dead = [p.args[1] for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                tails = "\n".join((folder / f"{n}.log").read_text()[-1500:] for n in ["master"] + [f"worker-{i}" for i in range(workers)])
                raise RuntimeError(f"the standalone cluster did not come up ({'exited: ' + ', '.join(dead) if dead else 'timed out'}):\n{tails}")
            time.sleep(0.5)
        yield master, lambda: _master_state(ui_port).get("completedapps", [])
    finally:
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, 15)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.wait()
        for log in logs:
            log.close()
