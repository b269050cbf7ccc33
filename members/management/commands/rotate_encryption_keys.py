"""Re-encrypt every national register number under the first key of
FIELD_ENCRYPTION_KEYS, so that older keys can then be removed."""

from typing import Any

from django.core.management.base import BaseCommand

from members.services import member_national_numbers_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored national register numbers with the current (first) key."

    def handle(self, *args: Any, **options: Any) -> None:
        count = member_national_numbers_rotate()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} national register numbers."))
