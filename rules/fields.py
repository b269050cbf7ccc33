"""Provenance: the rule versions a document used, stored on the document.

    class Invoice(models.Model):
        rules_used = RuleProvenanceField()

    rules = rules_on(["invoicing.contribution_rate", ...], on=invoice.issue_date)
    invoice.rules_used = rules.provenance()      # {"invoicing.contribution_rate": 42, ...}

`rules.selectors.rule_versions_for(invoice.rules_used)` later shows which law
applied, with its author, approver and reason.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleProvenanceField(models.JSONField):
    description = "Rule versions used: {rule key: version id}"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", dict)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("verbose_name", _("rule versions used"))
        super().__init__(*args, **kwargs)
