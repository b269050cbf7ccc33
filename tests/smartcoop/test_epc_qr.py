"""The EPC069-12 payload and its QR code.

No QR decoder is installed (no zbar), so the SVG is checked by redrawing its
path into a module grid and comparing it with segno's matrix for the UTF-8
bytes of the payload at level M."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from smartcoop.lib.epc_qr import EPC_MAX_PAYLOAD_BYTES, epc_payload, epc_qr, epc_qr_svg
from smartcoop.lib.ogm import ogm_from_number

IBAN = "BE68539007547034"
SVG_NS = "{http://www.w3.org/2000/svg}"


def pay(**kw):
    return epc_payload(**{"name": "Smart Coop SC", "iban": IBAN, "amount": Decimal("30"), **kw})


def test_exact_payload_with_a_belgian_structured_reference():
    payload = epc_payload(
        name="Smart Coop SC",
        iban="BE68 5390 0754 7034",
        amount=Decimal("30"),
        structured_reference="+++090/9337/55493+++",
    )
    assert payload == (
        "BCD\n"  # service tag
        "002\n"  # version
        "1\n"  # character set: UTF-8
        "SCT\n"  # SEPA credit transfer
        "\n"  # BIC: optional in version 002 within the EEA
        "Smart Coop SC\n"  # beneficiary name
        "BE68539007547034\n"  # IBAN, compact
        "EUR30.00\n"  # amount
        "\n"  # purpose: none
        "090933755493"  # structured remittance: the OGM's 12 digits, last element
    )


def test_exact_payload_with_text_bic_and_information():
    payload = epc_payload(
        name="Coopérative Smart",
        iban="be68 5390 0754 7034",
        amount=Decimal("1234.5"),
        text="Parts sociales C, membre 42",
        bic="gkcc bebb",
        information="Merci !",
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "GKCCBEBB",
        "Coopérative Smart",
        "BE68539007547034",
        "EUR1234.50",
        "",  # purpose
        "",  # structured remittance: empty when there is a text
        "Parts sociales C, membre 42",
        "Merci !",
    ]


def test_no_trailing_newline_and_no_trailing_empty_elements():
    payload = pay()
    assert payload == "BCD\n002\n1\nSCT\n\nSmart Coop SC\nBE68539007547034\nEUR30.00"
    assert not payload.endswith("\n")
    assert pay(text="Hello").endswith("\n\n\nHello")
    assert pay(information="Hi").endswith("EUR30.00\n\n\n\nHi")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("30"), "EUR30.00"),
        (Decimal("1234.5"), "EUR1234.50"),
        (Decimal("0.01"), "EUR0.01"),
        (Decimal("999999999.99"), "EUR999999999.99"),
        (Decimal("1E+2"), "EUR100.00"),
        (Decimal("12.300"), "EUR12.30"),
    ],
)
def test_amount_formatting(amount, expected):
    assert pay(amount=amount).split("\n")[7] == expected


@pytest.mark.parametrize(
    "amount",
    [
        30.0,
        0.1,
        30,  # an int is not a Decimal either: the signature says Decimal
        "30.00",
        Decimal("0"),
        Decimal("-5"),
        Decimal("0.001"),
        Decimal("12.345"),
        Decimal("1000000000"),
        Decimal("999999999.995"),
        Decimal("NaN"),
        Decimal("Infinity"),
    ],
)
def test_amount_refused(amount):
    with pytest.raises(ValueError):
        pay(amount=amount)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2))
def test_amount_round_trips(amount):
    line = pay(amount=amount).split("\n")[7]
    assert re.fullmatch(r"EUR[0-9]{1,9}\.[0-9]{2}", line)
    assert Decimal(line[3:]) == amount


def test_name_of_70_characters_is_kept_over_70_refused():
    assert pay(name="x" * 70).split("\n")[5] == "x" * 70
    with pytest.raises(ValueError, match="70"):
        pay(name="x" * 71)
    with pytest.raises(ValueError):
        pay(name="   ")


def test_text_and_information_lengths():
    assert pay(text="t" * 140).endswith("\n" + "t" * 140)
    with pytest.raises(ValueError, match="140"):
        pay(text="t" * 141)
    with pytest.raises(ValueError, match="70"):
        pay(information="i" * 71)


def test_structured_reference_forms():
    for ref in ("+++090/9337/55493+++", "***090/9337/55493***", "090/9337/55493", "090933755493"):
        assert pay(structured_reference=ref).split("\n")[9] == "090933755493"
    # An ISO 11649 creditor reference goes to the same element, compacted.
    assert pay(structured_reference="RF18 5390 0754 7034").split("\n")[9] == "RF18539007547034"


@pytest.mark.parametrize(
    "ref",
    [
        "+++090/9337/55494+++",  # wrong check digits
        "Invoice +++090/9337/55493+++",  # free text around an OGM is not a reference
        "RF19539007547034",  # wrong ISO 11649 check digits
        "F2025-0042",
    ],
)
def test_structured_reference_refused(ref):
    with pytest.raises(ValueError):
        pay(structured_reference=ref)


def test_structured_and_text_are_exclusive():
    with pytest.raises(ValueError, match="both"):
        pay(structured_reference="090933755493", text="Invoice 42")


@pytest.mark.parametrize(
    "kw",
    [
        {"iban": "BE68539007547035"},
        {"iban": "not an iban"},
        {"bic": "GKCC"},
        {"bic": "GKCCBEBB1"},
        {"text": "two\nlines"},
        {"name": "Smart\r\nCoop"},
        {"information": "a\nb"},
    ],
)
def test_invalid_elements_refused(kw):
    with pytest.raises(ValueError):
        pay(**kw)


def test_payload_over_331_bytes_refused():
    # 70 + 140 + 70 characters fit the element limits but not the 331 bytes.
    with pytest.raises(ValueError, match="331"):
        pay(name="n" * 70, text="t" * 140, information="i" * 70, bic="GKCCBEBB")
    # Multi-byte characters count as bytes (UTF-8), not as characters.
    with pytest.raises(ValueError, match="331"):
        pay(name="é" * 70, text="é" * 140)
    fits = pay(name="n" * 70, text="t" * 140, amount=Decimal("999999999.99"))
    assert len(fits.encode()) <= EPC_MAX_PAYLOAD_BYTES


@given(
    st.integers(min_value=1, max_value=10**10 - 1),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2),
)
def test_payload_with_any_ogm(base, amount):
    ogm = ogm_from_number(base)
    printed = f"+++{ogm[:3]}/{ogm[3:7]}/{ogm[7:]}+++"
    lines = pay(structured_reference=printed, amount=amount).split("\n")
    assert len(lines) == 10
    assert lines[9] == ogm
    assert lines[7] == f"EUR{amount:.2f}"


# --- The QR code ---------------------------------------------------------------


def _reference_qr(payload: str) -> segno.QRCode:
    """What the guideline asks for, built from bytes so the encoding is explicit."""
    return segno.make(payload.encode("utf-8"), error="m", boost_error=False, micro=False)


def _drawn_modules(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """Parse the SVG; return the viewBox size and the set of dark (row, col)
    unit cells its stroked path covers (segno draws each run of dark modules as
    a horizontal line of stroke width 1 through the middle of its row)."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert "width" not in root.attrib and "height" not in root.attrib
    x0, y0, width, height = (int(v) for v in root.attrib["viewBox"].split())
    assert (x0, y0) == (0, 0) and width == height
    paths = root.findall(f"{SVG_NS}path")
    assert paths
    background = [p for p in paths if p.get("fill") == "#fff"]
    assert len(background) == 1  # a white background under the quiet zone
    strokes = [p for p in paths if p.get("stroke")]
    assert len(strokes) == 1 and "transform" not in strokes[0].attrib
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", strokes[0].attrib["d"]):
        numbers = [float(n) for n in args.replace(",", " ").split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            end = numbers[0] if command == "H" else x + numbers[0]
            row = int(y)
            assert y - row == 0.5
            dark.update((row, col) for col in range(int(x), int(end)))
            x = end
    return width, dark


def _expected_modules(qr: segno.QRCode, border: int) -> set[tuple[int, int]]:
    return {
        (r + border, c + border)
        for r, row in enumerate(qr.matrix)
        for c, bit in enumerate(row)
        if bit
    }


@pytest.mark.parametrize(
    "payload",
    [
        pay(structured_reference="090933755493"),
        pay(name="Coopérative Smart — Liège", text="Parts sociales: 3 parts à €10"),
        pay(name="n" * 70, text="t" * 140, amount=Decimal("999999999.99")),
    ],
)
def test_svg_draws_segnos_matrix_for_the_payload(payload):
    svg = epc_qr_svg(payload)
    reference = _reference_qr(payload)
    assert reference.error == "M"
    assert reference.mode == "byte"
    assert isinstance(reference.version, int) and reference.version <= 13
    size, dark = _drawn_modules(svg)
    side = reference.symbol_size(scale=1, border=0)[0]
    assert side == 17 + 4 * reference.version
    assert size == side + 2 * 4  # 4-module quiet zone on each side
    assert dark == _expected_modules(reference, border=4)
    assert 'class="epc-qr"' in svg


def test_svg_encodes_utf8_as_the_payload_declares():
    payload = pay(name="Coopérative Smart", text="Liège")
    latin1 = segno.make(payload.encode("latin-1"), error="m", boost_error=False, micro=False)
    utf8 = _reference_qr(payload)
    assert latin1.matrix != utf8.matrix  # the check below can tell them apart
    assert epc_qr(payload).matrix == utf8.matrix


def test_error_level_stays_m_where_the_version_has_room():
    # segno.make(error="m") raises the level to Q or H when the data still fits
    # the same version; the guideline wants M.
    payload = "BCD\n002\n1\nSCT\n\nxxxxx"
    assert segno.make(payload, error="m", micro=False).error != "M"
    assert epc_qr(payload).error == "M"


def test_331_bytes_is_a_version_13_code_and_more_is_refused():
    filler = "BCD\n002\n1\nSCT\n\n"
    at_limit = filler + "x" * (EPC_MAX_PAYLOAD_BYTES - len(filler))
    assert len(at_limit.encode()) == 331
    assert epc_qr(at_limit).version == 13
    with pytest.raises(ValueError, match="13"):
        epc_qr(at_limit + "x")


def test_svg_embeds_in_html_and_weasyprint_pdf():
    weasyprint = pytest.importorskip("weasyprint")
    svg = epc_qr_svg(pay(structured_reference="090933755493"))
    html = f"<html><body><div style='width:3cm;height:3cm'>{svg}</div></body></html>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf is not None and pdf.startswith(b"%PDF")
