"""The official Peppol BIS Billing 3.0 validation of a UBL document.

"Valid" means valid by the rules access points apply (../shared/peppol/README.md),
not by rules we wrote: the OASIS UBL 2.1 schema (lxml), then the CEN EN 16931
rules and the Peppol BIS 3.0 rules, both compiled XSLT 2.0 stylesheets run by
SaxonC (saxonche). Each stylesheet produces an SVRL report whose
`failed-assert`s become findings, fatal or warning; a document with any fatal
finding is rejected by access points.

The rule files are test data kept outside the repository: `rules_dir()` finds
them (setting or environment variable `PEPPOL_RULES_DIR`, else
`<BASE_DIR>/../shared/peppol`) and is None where they are missing. The CEN and
Peppol releases are pinned as the pair Peppol publishes together (CEN_XSLT,
PEPPOL_XSLT).

Compiling the stylesheets costs about a second, so it happens once per process,
on the first validation (importing this module costs nothing). A SaxonC
processor is not thread-safe: there is one per process, validations in a
process take turns on a lock, and a forked child builds its own.
"""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

CEN_XSLT = "cen-1.3.16/EN16931-UBL-validation.xslt"
PEPPOL_XSLT = "peppol-3.0.21/PEPPOL-EN16931-UBL.xslt"
INVOICE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
CREDIT_NOTE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
SCHEMAS = {
    INVOICE_ROOT: "ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd",
    CREDIT_NOTE_ROOT: "ubl-2.1/xsd/maindoc/UBL-CreditNote-2.1.xsd",
}
REQUIRED_FILES = (CEN_XSLT, PEPPOL_XSLT, *SCHEMAS.values())
SVRL = "http://purl.oclc.org/dsdl/svrl"
FATAL_FLAGS = frozenset({"fatal", "error"})


class RulesNotFound(Exception):
    """The official rule files are not where `rules_dir()` looks."""


def _candidate() -> tuple[Path, bool]:
    """(the folder to look in, whether PEPPOL_RULES_DIR named it)."""
    configured = getattr(settings, "PEPPOL_RULES_DIR", "") or os.environ.get("PEPPOL_RULES_DIR")
    if configured:
        return Path(configured), True
    return Path(settings.BASE_DIR).parent / "shared" / "peppol", False


def rules_dir() -> Path | None:
    """The folder of the official rule files: the setting or environment
    variable PEPPOL_RULES_DIR, else `<BASE_DIR>/../shared/peppol`; None when
    that folder lacks any of the files the validation needs."""
    folder, _configured = _candidate()
    if all((folder / name).is_file() for name in REQUIRED_FILES):
        return folder.resolve()
    return None


def missing_reason() -> str:
    """Why validation cannot run here (for skipped tests and the admin)."""
    folder, configured = _candidate()
    where = f"{folder} (PEPPOL_RULES_DIR)" if configured else f"{folder} (set PEPPOL_RULES_DIR)"
    return (
        f"the official Peppol rule files were not found in {where}; "
        f"validation needs {', '.join(REQUIRED_FILES)}"
    )


@dataclass(frozen=True)
class Finding:
    """One rule the document breaks: its id (`BR-CO-10`, `PEPPOL-EN16931-R010`,
    `XSD` for the schema), `fatal` or `warning`, where (an XPath or a line)
    and the rule's own text. `source` is xml, xsd, cen or peppol."""

    rule: str
    flag: str
    location: str
    text: str
    source: str

    def __str__(self) -> str:
        return f"[{self.source}] {self.flag} {self.rule} at {self.location}: {self.text}"


@dataclass
class ValidationReport:
    fatal: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """What access points decide: no fatal finding."""
        return not self.fatal

    def rules(self) -> set[str]:
        """The ids of every rule broken, fatal or not."""
        return {finding.rule for finding in [*self.fatal, *self.warnings]}

    def add(self, finding: Finding) -> None:
        (self.fatal if finding.flag in FATAL_FLAGS else self.warnings).append(finding)

    def __str__(self) -> str:
        if not self.fatal and not self.warnings:
            return "valid: no finding"
        return "\n".join(str(finding) for finding in [*self.fatal, *self.warnings])


class _Validator:
    """The compiled rules of one folder, for one process."""

    def __init__(self, folder: Path) -> None:
        from saxonche import PySaxonProcessor  # heavy: loaded by the processes that validate

        self.folder = folder
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.processor = PySaxonProcessor(license=False)
        compiler = self.processor.new_xslt30_processor()
        self.stylesheets = [
            (source, compiler.compile_stylesheet(stylesheet_file=str(folder / path)))
            for source, path in (("cen", CEN_XSLT), ("peppol", PEPPOL_XSLT))
        ]
        self.schemas: dict[str, Any] = {}

    def schema(self, root_tag: str) -> Any:
        from lxml import etree

        if root_tag not in self.schemas:
            self.schemas[root_tag] = etree.XMLSchema(
                etree.parse(str(self.folder / SCHEMAS[root_tag]))
            )
        return self.schemas[root_tag]

    def validate(self, xml: bytes) -> ValidationReport:
        from lxml import etree

        report = ValidationReport()
        # No entities, no network: the document is data, never instructions.
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        try:
            document = etree.fromstring(xml, parser)
        except etree.XMLSyntaxError as exc:
            report.add(Finding("XML", "fatal", f"line {exc.lineno}", str(exc), "xml"))
            return report
        if document.tag not in SCHEMAS:
            report.add(
                Finding(
                    "UBL-ROOT",
                    "fatal",
                    "/",
                    f"the root element {document.tag} is not a UBL 2.1 Invoice or CreditNote",
                    "xsd",
                )
            )
            return report
        text = xml.decode(document.getroottree().docinfo.encoding or "utf-8")
        with self.lock:
            schema = self.schema(document.tag)
            if not schema.validate(document):
                for error in schema.error_log:
                    report.add(Finding("XSD", "fatal", f"line {error.line}", error.message, "xsd"))
            node = self.processor.parse_xml(xml_text=text)
            outputs = [
                (source, sheet.transform_to_string(xdm_node=node))
                for source, sheet in self.stylesheets
            ]
        for source, svrl in outputs:
            _read_svrl(svrl, source, report)
        return report


def _read_svrl(svrl: str, source: str, report: ValidationReport) -> None:
    from lxml import etree

    if not svrl:
        raise RuntimeError(f"the {source} rules returned no report")
    root = etree.fromstring(svrl.encode("utf-8"))
    for element in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        message = element.findtext(f"{{{SVRL}}}text") or ""
        report.add(
            Finding(
                rule=element.get("id") or "?",
                flag=element.get("flag") or "fatal",
                location=element.get("location") or "",
                text=" ".join(message.split()),
                source=source,
            )
        )


_validators: dict[Path, _Validator] = {}
_validators_lock = threading.Lock()


def _validator(folder: Path | None = None) -> _Validator:
    folder = folder or rules_dir()
    if folder is None:
        raise RulesNotFound(missing_reason())
    with _validators_lock:
        validator = _validators.get(folder)
        if validator is None or validator.pid != os.getpid():
            validator = _validators[folder] = _Validator(folder)
        return validator


def prepare(folder: Path | None = None) -> None:
    """Compile the rules now (both stylesheets and both schemas) rather than
    on the first validation: for benchmarks and worker start-up."""
    validator = _validator(folder)
    with validator.lock:
        for root_tag in SCHEMAS:
            validator.schema(root_tag)


def validate(xml: bytes, *, folder: Path | None = None) -> ValidationReport:
    """Validate one UBL Invoice or CreditNote with the official rules: the
    UBL 2.1 schema of its root element, then the CEN EN 16931 and the Peppol
    BIS 3.0 rules. Raises RulesNotFound where the rule files are missing."""
    return _validator(folder).validate(xml)


def validate_file(path: str | os.PathLike[str], *, folder: Path | None = None) -> ValidationReport:
    return validate(Path(path).read_bytes(), folder=folder)
