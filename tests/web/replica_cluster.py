"""A PostgreSQL primary and its streaming replica on loopback, built for one test and removed after.

With the server binaries of the machine (``pg_config --bindir``, else the newest Debian layout):
``initdb`` a primary in a temporary directory on a free port, ``pg_basebackup -R`` a replica of it
on another, start both and wait until the primary reports the replica ``streaming``. PostgreSQL
refuses to run as root: as root, every command runs as the ``postgres`` user, which owns the
temporary directory. Nothing of the machine's configuration is touched.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.deploy.nginx import free_port


class ClusterError(RuntimeError):
    """The primary/replica pair could not be built; the message says which step failed."""


def bindir() -> Path:
    """Return the directory of initdb, pg_ctl and pg_basebackup."""
    candidates = []
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    candidates += [Path(p) for p in reversed(versions)]
    for candidate in candidates:
        if all((candidate / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return candidate
    raise ClusterError("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found")


@dataclass
class Cluster:
    """A running primary and replica; ``url()`` gives a database URL for either."""

    root: Path
    bin: Path
    primary_port: int
    replica_port: int
    as_postgres: list[str] = field(default_factory=list)

    def run(self, *args: str | Path, timeout: float = 60) -> str:
        command = [*self.as_postgres, *(str(a) for a in args)]
        out = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if out.returncode != 0:
            raise ClusterError(f"{' '.join(command)} failed ({out.returncode}): {out.stderr.strip()}")
        return out.stdout

    def pg_ctl(self, node: str, action: str) -> None:
        self.run(self.bin / "pg_ctl", "-D", self.root / node, "-l", self.root / f"{node}.log", "-w", action)

    def stop_command(self, node: str) -> list[str]:
        """The command line that stops a node at once (for a process that outlives this object)."""
        return [
            *self.as_postgres,
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.root / node),
            "-m",
            "immediate",
            "-w",
            "stop",
        ]

    def url(self, node: str, database: str = "galerie") -> str:
        port = self.primary_port if node == "primary" else self.replica_port
        return f"postgres://postgres@127.0.0.1:{port}/{database}"

    def connect(self, node: str, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            self.url(node, database).replace("postgres://", "postgresql://"), autocommit=True
        )

    def destroy(self) -> None:
        for node in ("replica", "primary"):
            if (self.root / node / "postmaster.pid").exists():
                subprocess.run(self.stop_command(node), capture_output=True, timeout=30, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def build(*, timeout: float = 30) -> Cluster:
    """Start a primary with a database ``galerie`` and a streaming replica of it."""
    binaries = bindir()
    root = Path(tempfile.mkdtemp(prefix="galerie-replica-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            raise ClusterError("run as root, and no `postgres` user to run PostgreSQL as") from None
        os.chown(root, user.pw_uid, user.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(root, binaries, free_port(), free_port(), as_postgres)
    try:
        primary, replica = root / "primary", root / "replica"
        cluster.run(
            binaries / "initdb", "-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        settings = [
            f"port = {cluster.primary_port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{root}'",
            "wal_level = replica",
            "max_wal_senders = 4",
            "fsync = off",  # a throwaway pair: durability costs time and proves nothing here
            "synchronous_commit = off",
            "full_page_writes = off",
        ]
        with (primary / "postgresql.conf").open("a") as conf:  # appending keeps the file's owner
            conf.write("\n".join(settings) + "\n")
        cluster.pg_ctl("primary", "start")
        cluster.run(
            binaries / "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(cluster.primary_port), "-U", "postgres",
            "-D", replica, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        with (replica / "postgresql.conf").open("a") as conf:  # the primary's copy, but its own port
            conf.write(f"port = {cluster.replica_port}\n")
        cluster.pg_ctl("replica", "start")
        with cluster.connect("primary") as conn:
            conn.execute("CREATE DATABASE galerie")
            deadline = time.monotonic() + timeout
            while not conn.execute("SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'").fetchone():
                if time.monotonic() > deadline:
                    raise ClusterError(f"the replica did not start streaming within {timeout:g} s")
                time.sleep(0.1)
    except BaseException:
        cluster.destroy()
        raise
    return cluster
