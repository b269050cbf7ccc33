"""A PDF that never breaks (issue 22): a description that is one long word
(a URL, a 300-character token) wraps inside its column, and no word of the
rendered PDF leaves the page's printable width, for 1, 10 and 150 lines in
nl, fr and en. Measured on the PDF itself: `pdftotext -bbox` gives every
word's box."""

import subprocess
import tempfile
from decimal import Decimal

import pytest
from lxml import etree

from documents.rendering import PdfRenderer
from tests.factories import ActivityFactory, ClientFactory, MemberFactory
from tests.invoicing.support import issued

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]

# A4 is 595.28 pt wide; the page's margins are 16 mm (45.35 pt) left and right.
PAGE_WIDTH = Decimal("595.28")
MARGIN = Decimal("45.35")
TOLERANCE = Decimal("0.5")

URL = "https://example.be/" + "a" * 120 + "?" + "&".join(f"k{n}=v{n}" for n in range(12))
TOKEN = "".join(chr(ord("A") + n % 26) for n in range(300))


def word_boxes(content: bytes) -> list[tuple[str, Decimal, Decimal]]:
    """(word, xMin, xMax) of every word on every page, from pdftotext -bbox."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        html = subprocess.run(
            ["pdftotext", "-bbox", handle.name, "-"], capture_output=True, check=True
        ).stdout
    root = etree.fromstring(html, etree.HTMLParser())
    return [
        (word.text or "", Decimal(word.get("xmin")), Decimal(word.get("xmax")))
        for word in root.iter("word")
    ]


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize("count", [1, 10, 150])
def test_long_words_wrap_inside_the_page(language, count):
    member = MemberFactory(status="member", language=language)
    client = ClientFactory(member=member, language=language, name="Client " + TOKEN[:120])
    activity = ActivityFactory(member=member, name="Activity " + TOKEN[:100])
    descriptions = [URL, TOKEN, "Translation " + TOKEN[:200]]
    lines = [
        (descriptions[n % 3], "1234.125", "12345.6789", "S:21")
        if n == 0
        else (descriptions[n % 3], "2.5", "0.085", "S:21")
        for n in range(count)
    ]
    invoice = issued(member, client=client, activity=activity, lines=lines)
    content = PdfRenderer().render(invoice).content
    boxes = word_boxes(content)
    assert boxes, "the PDF has no text"
    outside = [
        (word[:30], xmin, xmax)
        for word, xmin, xmax in boxes
        if xmin < MARGIN - TOLERANCE or xmax > PAGE_WIDTH - MARGIN + TOLERANCE
    ]
    assert outside == []
    # The long words are all there, wrapped: their pieces add up to the whole.
    text = "".join(word for word, _xmin, _xmax in boxes)
    assert TOKEN[:100] in text
