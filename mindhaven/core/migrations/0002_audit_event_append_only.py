"""On PostgreSQL, refuse UPDATE and DELETE of audit events in the database itself.

TRUNCATE stays possible (it is what test flushes and a deliberate operator reset use);
the application never issues it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION mindhaven_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION mindhaven_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS mindhaven_audit_append_only();
"""


def create_trigger(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_audit_event")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
