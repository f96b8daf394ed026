from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from mindhaven.core import encryption


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key of MINDHAVEN_ENCRYPTION_KEYS, "
        "in batches. Safe to stop and run again: values already under the first key are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1")
            raise SystemExit(2)
        total = 0
        for model, field in encryption.encrypted_fields():
            rotated = self._rotate_field(model, field, batch_size)
            total += rotated
            self.stdout.write(f"{model._meta.label}.{field}: {rotated} re-encrypted")
        self.stdout.write(f"done: {total} values re-encrypted with the current key")

    def _rotate_field(self, model: Any, field: str, batch_size: int) -> int:
        rotated = 0
        last_pk: Any = None
        # Primary keys through the ORM, values as stored through raw SQL, so that
        # nothing is decrypted on the way.
        manager = model._base_manager
        while True:
            rows = manager.all()
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not batch:
                return rotated
            with transaction.atomic():
                for pk, stored in self._raw_values(model, field, batch):
                    if stored and not encryption.is_current(stored):
                        self._write_raw(model, field, pk, encryption.rotate(stored))
                        rotated += 1
            last_pk = batch[-1]

    @staticmethod
    def _raw_values(model: Any, field: str, pks: list[Any]) -> list[tuple[Any, str]]:
        from django.db import connection

        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(model._meta.get_field(field).column)
        pk_column = connection.ops.quote_name(model._meta.pk.column)
        placeholders = ", ".join(["%s"] * len(pks))
        sql = f"SELECT {pk_column}, {column} FROM {table} WHERE {pk_column} IN ({placeholders})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, pks)
            return list(cursor.fetchall())

    @staticmethod
    def _write_raw(model: Any, field: str, pk: Any, stored: str) -> None:
        from django.db import connection

        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(model._meta.get_field(field).column)
        pk_column = connection.ops.quote_name(model._meta.pk.column)
        sql = f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [stored, pk])
