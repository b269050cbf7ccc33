"""Model building blocks shared by the apps."""

from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class AppendOnly(models.Model):
    """A row that is written once and never changed or deleted (style.md,
    item 7: payments, share register entries, stored documents). A mistake
    is undone by a new row (a reversal), never by editing the old one; the
    database refuses it too where a trigger guards the table.

    Subclasses name the message staff read when something tries:
    `append_only_message = _("...")`.
    """

    append_only_message: ClassVar["StrOrPromise"]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError(self.append_only_message, code="append_only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(self.append_only_message, code="append_only")
