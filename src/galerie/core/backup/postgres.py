"""PostgreSQL: ``pg_dump --format=custom`` out, ``pg_restore`` through ``psql`` in, one transaction.

The client tools must be at least as new as the server: an older pg_dump refuses a newer server
(or worse, misses what it does not know), so the versions are compared first and a clear message
says which tool to put on PATH. The password goes to the tools in PGPASSWORD, never on a command
line that ``ps`` shows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction

from galerie.core.backup.archive import Progress
from galerie.core.backup.errors import BackupError

PART = "database.dump"
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
# libpq settings Django passes in OPTIONS, given to the tools as their environment variables.
_LIBPQ_ENV = {
    "options": "PGOPTIONS",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
STDERR_LINES_KEPT = 12


def _environment() -> dict[str, str]:
    settings = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings.get(key):
            env[variable] = str(settings[key])
    env["PGDATABASE"] = str(settings["NAME"])
    for option, variable in _LIBPQ_ENV.items():
        if settings.get("OPTIONS", {}).get(option):
            env[variable] = str(settings["OPTIONS"][option])
    return env


def server_version() -> tuple[int, str]:
    """The server's major version and its full version string."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        number = int(cursor.fetchone()[0])
        cursor.execute("SHOW server_version")
        text = cursor.fetchone()[0]
    return (number // 10000 if number >= 100000 else number // 100), text


def tool_version(name: str) -> tuple[str, int, str]:
    """The tool's path, major version and version line; BackupError when it is missing."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH. Install the PostgreSQL client tools of the server's version"
            " (Debian: postgresql-client-NN, in /usr/lib/postgresql/NN/bin)."
        )
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError as error:
        raise BackupError(f"{path} cannot be run: {error.strerror}.") from None
    found = _VERSION.search(out)
    if found is None:
        raise BackupError(f"{path} --version printed “{out.strip()}”, not a PostgreSQL version.")
    return path, int(found.group(1)), out.strip()


def tool_check(name: str, *, at_least: int, why: str) -> tuple[str, int, str]:
    """Refuse a client tool older than ``at_least`` (the major version ``why`` names)."""
    path, major, line = tool_version(name)
    if major < at_least:
        raise BackupError(
            f"{path} is PostgreSQL {major} (“{line}”) but {why} is PostgreSQL {at_least}: an older"
            f" {name} cannot handle it. Put the PostgreSQL {at_least} client tools first on PATH"
            f" (Debian: /usr/lib/postgresql/{at_least}/bin)."
        )
    return path, major, line


def _follow(stream: IO[str], kept: list[str], on_line: Any) -> None:
    for line in stream:
        kept.append(line.rstrip())
        del kept[:-STDERR_LINES_KEPT]
        on_line(line)


@contextmanager
def _snapshot() -> Iterator[str]:
    """Open a read-only repeatable-read transaction and export its snapshot: pg_dump, given it,
    dumps exactly what the row counts and migrations read in this transaction saw."""
    if connection.in_atomic_block:
        raise BackupError("A backup runs in its own transaction; it cannot run inside another one.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0]


def table_counts() -> dict[str, int]:
    """Rows per table of the current schema (in the caller's transaction)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def database_dump(*, into: Path, on_progress: Progress) -> dict[str, Any]:
    """Dump the database into ``into/database.dump``; return the manifest's database part, the
    row counts and the applied migrations (all read in the dump's snapshot)."""
    major, version = server_version()
    tool, tool_major, tool_line = tool_check("pg_dump", at_least=major, why="the server")
    from django.db.migrations.recorder import MigrationRecorder

    with _snapshot() as snapshot:
        counts = table_counts()
        migrations = sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
        tables, done = max(len(counts), 1), 0
        on_progress("dump", 0, tables)
        command = [tool, "--format=custom", "--verbose", f"--snapshot={snapshot}", f"--file={into / PART}"]
        process = subprocess.Popen(command, env=_environment(), stderr=subprocess.PIPE, text=True)
        kept: list[str] = []

        def advance(line: str) -> None:
            nonlocal done
            if "dumping contents of table" in line:
                done += 1
                on_progress("dump", min(done, tables), tables)

        assert process.stderr is not None
        _follow(process.stderr, kept, advance)
        if process.wait() != 0:
            errors = [line for line in kept if "error" in line.lower()] or kept
            raise BackupError(f"pg_dump failed (exit {process.returncode}): {' / '.join(errors[-3:])}")
        on_progress("dump", tables, tables)
    database = {
        "vendor": "postgresql",
        "server_version": version,
        "server_major": major,
        "dump_tool": tool_line,
        "dump_tool_major": tool_major,
        "schema": schema,
        "part": PART,
    }
    return {"database": database, "tables": counts, "migrations": migrations}


_PRELUDE = """
SET lock_timeout = '30s';
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, c.relkind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
        AND NOT (c.relkind = 'S' AND EXISTS (
            SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('DROP %s IF EXISTS %s CASCADE', CASE r.relkind WHEN 'v' THEN 'VIEW'
            WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
            ELSE 'TABLE' END, r.name);
    END LOOP;
END $$;
"""

_VERIFY = """
DO $$
DECLARE expected jsonb := EXPECTED::jsonb; t text; n bigint;
BEGIN
    FOR t IN SELECT jsonb_object_keys(expected) LOOP
        EXECUTE format('SELECT count(*) FROM %I.%I', SCHEMA, t) INTO n;
        IF n <> (expected ->> t)::bigint THEN
            RAISE EXCEPTION 'restored table % holds % rows, the manifest says %: nothing was restored',
                t, n, expected ->> t;
        END IF;
    END LOOP;
END $$;
"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def database_restore(
    *, staged: Path, database: dict[str, Any], tables: dict[str, int], on_progress: Progress
) -> None:
    """Replace the database's tables with the dump's, in one transaction: drop every table of the
    schema, run pg_restore's script (``--clean --if-exists --no-owner``) and check each table's row
    count against the manifest before COMMIT. Any failure rolls the whole of it back."""
    dump_major = int(database["dump_tool_major"])
    major, _version = server_version()
    if major < int(database["server_major"]):
        raise BackupError(
            f"The backup comes from PostgreSQL {database['server_major']} ({database['server_version']});"
            f" this server is PostgreSQL {major}: a dump does not load into an older server."
            f" Restore onto PostgreSQL {database['server_major']} or newer."
        )
    restore_tool, _, _ = tool_check(
        "pg_restore", at_least=max(major, dump_major), why="the server or the dump"
    )
    psql, _, _ = tool_version("psql")
    schema = database.get("schema") or "public"
    verify = _VERIFY.replace("SCHEMA", _literal(schema)).replace("EXPECTED", _literal(json.dumps(tables)))
    env = _environment()
    # The bar counts the dump's items (tables, their data, indexes, constraints …): building the
    # indexes takes longer than loading the rows.
    listing = subprocess.run(
        [restore_tool, "--list", str(staged / PART)], env=env, capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {listing.stderr.strip()}. Nothing was restored.")
    total = max(sum(1 for line in listing.stdout.splitlines() if line and not line.startswith(";")), 1)
    done = 0
    on_progress("restore", 0, total)
    connection.close()  # hold no lock on the tables being replaced
    restore = subprocess.Popen(
        [restore_tool, "--clean", "--if-exists", "--no-owner", "--verbose", "--file=-", str(staged / PART)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert restore.stdout is not None and restore.stderr is not None
    psql_errors: list[str] = []
    apply = subprocess.Popen(
        [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            "--command",
            _PRELUDE,
            "--file=-",
            "--command",
            verify,
        ],
        env=env,
        stdin=restore.stdout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    restore.stdout.close()  # psql owns the pipe now: pg_restore gets SIGPIPE if psql stops
    assert apply.stderr is not None
    reader = threading.Thread(
        target=_follow, args=(apply.stderr, psql_errors, lambda line: None), daemon=True
    )
    reader.start()
    kept: list[str] = []

    def advance(line: str) -> None:
        nonlocal done
        if line.startswith("pg_restore: creating ") or "processing data for table" in line:
            done += 1
            on_progress("restore", min(done, total), total)

    _follow(restore.stderr, kept, advance)
    restore_code, apply_code = restore.wait(), apply.wait()
    reader.join()
    if apply_code != 0:
        errors = [line for line in psql_errors if "ERROR" in line] or psql_errors
        busy = (
            " Stop the server and the workers, which hold the tables, and retry."
            if any("lock timeout" in line for line in errors)
            else ""
        )
        raise BackupError(
            "The restore failed and was rolled back, the database is as it was: "
            f"{' / '.join(errors[-3:])}.{busy}"
        )
    if restore_code != 0:  # psql committed what it was given, yet pg_restore did not finish: say so
        raise BackupError(f"pg_restore failed (exit {restore_code}): {' / '.join(kept[-3:])}")
    on_progress("restore", total, total)
