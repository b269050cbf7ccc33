import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))


def test_nl_and_fr_catalogues_exist():
    assert {p.parts[-3] for p in CATALOGUES} == {"nl", "fr"}


@pytest.mark.skipif(not shutil.which("msgattrib"), reason="GNU gettext is installed by make test")
@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: p.parts[-3])
@pytest.mark.parametrize("flag", ["--untranslated", "--only-fuzzy"])
def test_every_string_is_translated(catalogue, flag):
    out = subprocess.run(
        ["msgattrib", flag, "--no-obsolete", str(catalogue)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    entries = [line for line in out.splitlines() if line.startswith("msgid ")]
    # The header entry (msgid "") is always listed by --untranslated.
    assert [e for e in entries if e != 'msgid ""'] == []
