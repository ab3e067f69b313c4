"""On PostgreSQL, the database itself keeps the ledger append-only and every entry balanced.

- A row trigger refuses UPDATE and DELETE on entries and lines (TRUNCATE, used to empty a
  test or demo database, is a statement on the whole table and stays allowed).
- A deferred constraint trigger checks, at commit, that the lines of each entry touched by the
  transaction add up to zero per currency (debits = credits).

SQLite has neither; there the service (``entry_post``) and the models enforce the same rules.
The migration ``0002_postgresql_guards`` calls :func:`guards_install`; the test suite, which
builds its tables without migrations, calls it once when it creates the test database.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

INSTALL = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are immutable: % on % refused; post a reversing entry', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE OR REPLACE TRIGGER ledger_journalentry_immutable BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE OR REPLACE TRIGGER ledger_journalline_immutable BEFORE UPDATE OR DELETE ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    off record;
BEGIN
    SELECT currency, SUM(debit_minor) - SUM(credit_minor) AS difference INTO off
        FROM ledger_journalline WHERE entry_id = NEW.entry_id
        GROUP BY currency HAVING SUM(debit_minor) <> SUM(credit_minor) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % does not balance in %: debits - credits = %',
            NEW.entry_id, off.currency, off.difference
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;

-- A constraint trigger cannot be replaced in place.
DROP TRIGGER IF EXISTS ledger_journalline_balanced ON ledger_journalline;
CREATE CONSTRAINT TRIGGER ledger_journalline_balanced AFTER INSERT ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS ledger_journalline_balanced ON ledger_journalline;
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
DROP TRIGGER IF EXISTS ledger_journalline_immutable ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_journalentry_immutable ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


def guards_install(connection: BaseDatabaseWrapper) -> None:
    """Create (or replace) the ledger's triggers on PostgreSQL; do nothing on other databases."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(INSTALL)


def guards_uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop the ledger's triggers and their functions on PostgreSQL, if they exist."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(UNINSTALL)
