import pytest
from django.db import DatabaseError, connection, transaction

from mindhaven.core.audit import record_access
from mindhaven.core.models import AppendOnlyError, AuditEvent
from mindhaven.core.testing import BaseTestCase


class AuditTestCase(BaseTestCase):
    def test_it_records_a_read_by_someone_else(self) -> None:
        event = record_access(actor=self.bob, subject=self.alice, category="mood", action="view")
        assert event is not None
        stored = AuditEvent.objects.get()
        assert stored.actor_username == "bob"
        assert stored.actor_role == "clinician"
        assert stored.subject_code == self.alice.code
        assert (stored.category, stored.action) == ("mood", "view")

    def test_it_records_nothing_when_the_owner_reads(self) -> None:
        assert (
            record_access(actor=self.alice, subject=self.alice, category="mood", action="view")
            is None
        )
        assert not AuditEvent.objects.exists()

    def test_it_refuses_changes_and_deletes_in_the_app(self) -> None:
        record_access(actor=self.bob, subject=self.alice, category="mood", action="view")
        event = AuditEvent.objects.get()
        event.action = "nothing"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).update(action="nothing")
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.all().delete()
        assert AuditEvent.objects.get().action == "view"

    def test_it_refuses_changes_in_the_database_on_postgresql(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("the trigger exists on PostgreSQL only (DATABASE_URL=postgres://...)")
        record_access(actor=self.bob, subject=self.alice, category="mood", action="view")
        table = AuditEvent._meta.db_table
        for statement in (f"UPDATE {table} SET action = 'x'", f"DELETE FROM {table}"):  # noqa: S608
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        assert AuditEvent.objects.get().action == "view"
