"""PDF of a form (A5, or A4 portrait for the control sheet), drawn with fpdf2 from the same
:class:`slips.Slip` the HTML print view shows.

The font is Open Sans from the ``ttf-opensans`` package (every Vietnamese letter is in it, and
the PDF carries a ToUnicode map, so text copied or extracted from it keeps its diacritics).
Text is NFC-normalised before it is drawn. The barcode and the QR code are drawn as filled
rectangles from their modules, so they stay sharp at any zoom and on any printer.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from pathlib import Path

import ttf_opensans
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from . import slips
from .slips import Fields, Paper, Slip, Table, Text

FONT = "OpenSans"
# fontTools logs every subsetting step at INFO; one PDF would fill the log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# A5 portrait, in millimetres.
PAGE_WIDTH, PAGE_HEIGHT = 148.0, 210.0
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 13.0, 11.0, 10.0, 12.0
# A4 portrait (the control sheet): the page and its margins (left, top, right, bottom).
PAGES: dict[str, tuple[float, float]] = {Paper.A5: (PAGE_WIDTH, PAGE_HEIGHT), Paper.A4: (210, 297)}
A4_MARGINS = (20.0, 12.0, 15.0, 14.0)
LINE = 4.1  # body line height
BODY_SIZE = 8.6
SMALL_SIZE = 7.4
BAR_MODULE = 0.2  # mm per Code 128 module (printers and scanners handle ≥ 0.19 mm)
BAR_HEIGHT = 9.0
QR_SIZE = 21.0  # mm, quiet zone included


@cache
def _font_files() -> dict[str, Path]:
    return {
        "": Path(ttf_opensans.OPENSANS_REGULAR.path),
        "B": Path(ttf_opensans.OPENSANS_BOLD.path),
        "I": Path(ttf_opensans.OPENSANS_ITALIC.path),
        "BI": Path(ttf_opensans.OPENSANS_BOLDITALIC.path),
    }


class _SlipPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_xy(self.l_margin, self.h - self.b_margin + 2.5)
        self.set_font(FONT, "I", 6)
        self.set_text_color(60, 60, 60)
        self.multi_cell(self.epw, 2.6, self.footer_text, align="C")
        self.set_text_color(0, 0, 0)

    def __init__(self, paper: str = Paper.A5) -> None:
        super().__init__(orientation="P", unit="mm", format=PAGES.get(paper, PAGES[Paper.A5]))
        for style, path in _font_files().items():
            self.add_font(FONT, style, str(path))
        left, top, right, bottom = (
            A4_MARGINS
            if paper == Paper.A4
            else (MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM)
        )
        self.set_margins(left, top, right)
        self.set_auto_page_break(True, bottom)
        self.set_text_color(0, 0, 0)
        self.set_draw_color(0, 0, 0)


def render_slip(slip: Slip) -> bytes:
    """The slip as a PDF document (bytes)."""
    pdf = _SlipPDF(slip.form.paper)
    pdf.footer_text = slip.footer
    pdf.set_title(f"{slip.title} - {slip.dossier_code}")
    pdf.set_subject(slip.reference)
    pdf.set_creator("motcua")
    pdf.set_lang("vi-VN")
    # Deterministic output: the form's own date, not the moment of printing.
    pdf.set_creation_date(dt.datetime.combine(slip.day, dt.time(0, 0), tzinfo=dt.UTC))
    pdf.add_page()
    _corner(pdf, slip)
    _header(pdf, slip)
    _title(pdf, slip)
    if slip.barcode_modules or slip.qr_url:
        _codes(pdf, slip)
    for block in slip.body:
        if isinstance(block, Fields):
            _fields(pdf, block)
        elif isinstance(block, Text):
            _text(pdf, block)
        elif isinstance(block, Table):
            _table(pdf, block)
    _signatures(pdf, slip)
    return bytes(pdf.output())


def _corner(pdf: FPDF, slip: Slip) -> None:
    pdf.set_font(FONT, "I", 6.5)
    pdf.set_xy(pdf.l_margin, pdf.t_margin - 5.5)
    pdf.cell(pdf.epw, 3, slip.corner, align="R")


def _header(pdf: FPDF, slip: Slip) -> None:
    header = slip.header
    top = pdf.t_margin
    left = pdf.l_margin
    left_w = round(pdf.epw * 54 / 124, 1)  # 54 mm on A5, the same share of a wider page
    gap = 2.0
    right_x = left + left_w + gap
    right_w = pdf.epw - left_w - gap

    # Left: governing body, then the center in bold with a short rule under it.
    pdf.set_xy(left, top)
    if header.governing_body:
        pdf.set_font(FONT, "", 7.6)
        pdf.multi_cell(left_w, 3.4, header.governing_body, align="C", new_x=XPos.LEFT)
    pdf.set_font(FONT, "B", 7.6)
    pdf.multi_cell(left_w, 3.4, header.office, align="C", new_x=XPos.LEFT)
    rule_y = pdf.get_y() + 0.8
    pdf.set_line_width(0.25)
    pdf.line(left + left_w * 0.33, rule_y, left + left_w * 0.67, rule_y)
    left_bottom = rule_y + 0.8
    if header.number_line:
        pdf.set_xy(left, rule_y + 1.2)
        pdf.set_font(FONT, "", 7.8)
        pdf.multi_cell(left_w, 3.6, header.number_line, align="C", new_x=XPos.LEFT)
        left_bottom = pdf.get_y()

    # Right: national name and motto (underlined), then place and date in italics.
    pdf.set_xy(right_x, top)
    pdf.set_font(FONT, "B", 7.6)
    pdf.multi_cell(right_w, 3.4, header.national_name, align="C", new_x=XPos.LEFT)
    pdf.set_font(FONT, "B", 8.2)
    motto_y = pdf.get_y()
    pdf.multi_cell(right_w, 3.8, header.motto, align="C", new_x=XPos.LEFT)
    motto_w = pdf.get_string_width(header.motto)
    center_x = right_x + right_w / 2
    pdf.line(center_x - motto_w / 2, motto_y + 4.0, center_x + motto_w / 2, motto_y + 4.0)
    pdf.set_xy(right_x, motto_y + 5.4)
    pdf.set_font(FONT, "I", 7.8)
    pdf.multi_cell(right_w, 3.6, header.date_line, align="C", new_x=XPos.LEFT)
    right_bottom = pdf.get_y()

    pdf.set_xy(left, max(left_bottom, right_bottom) + 3.5)


def _title(pdf: FPDF, slip: Slip) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(pdf.epw, 5.2, slip.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if slip.subtitle:
        pdf.set_font(FONT, "B", 8.6)
        pdf.multi_cell(pdf.epw, 4.2, slip.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not slip.barcode_modules:
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(pdf.epw, 4.6, slip.code_line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _codes(pdf: FPDF, slip: Slip) -> None:
    """The code in words and as a Code 128 barcode on the left, the QR code on the right."""
    top = pdf.get_y()
    qr_x = PAGE_WIDTH - MARGIN_RIGHT - QR_SIZE
    if slip.barcode_modules:
        modules = slip.barcode_modules
        quiet = slips.BARCODE_QUIET_ZONE * BAR_MODULE
        bar_w = len(modules) * BAR_MODULE
        # Centre the barcode between the left margin and the QR code.
        space = qr_x - MARGIN_LEFT - 2
        x0 = MARGIN_LEFT + max(quiet, (space - bar_w) / 2)
        pdf.set_font(FONT, "B", 9.5)
        pdf.set_xy(MARGIN_LEFT, top + 1)
        pdf.cell(space, 4.6, slip.code_line, align="C")
        bar_top = top + 6.5
        pdf.set_fill_color(0, 0, 0)
        for start, width in slips.bar_runs(modules):
            pdf.rect(x0 + start * BAR_MODULE, bar_top, width * BAR_MODULE, BAR_HEIGHT, style="F")
        pdf.set_font(FONT, "", 7)
        pdf.set_xy(MARGIN_LEFT, bar_top + BAR_HEIGHT + 0.5)
        pdf.cell(space, 3, slip.dossier_code, align="C")
    if slip.qr_url:
        matrix = slip.qr_matrix()
        border = 2
        size = len(matrix) + 2 * border
        module = QR_SIZE / size
        pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if row[c]:
                    run = c
                    while run < len(row) and row[run]:
                        run += 1
                    pdf.rect(
                        qr_x + (c + border) * module,
                        top + (r + border) * module,
                        (run - c) * module,
                        module,
                        style="F",
                    )
                    c = run
                else:
                    c += 1
    pdf.set_xy(MARGIN_LEFT, top + QR_SIZE + 1)


def _fields(pdf: FPDF, block: Fields) -> None:
    pdf.set_x(pdf.l_margin)
    for i, (label, value) in enumerate(block.pairs):
        if i:
            pdf.write(LINE, "    ")
        pdf.set_font(FONT, "", BODY_SIZE)
        pdf.write(LINE, label + " ")
        pdf.set_font(FONT, "B" if block.strong else "", BODY_SIZE)
        pdf.write(LINE, value)
    pdf.ln(LINE + 0.3)


def _text(pdf: FPDF, block: Text) -> None:
    style, size, indent = {
        "heading": ("B", BODY_SIZE, 0.0),
        "italic": ("I", BODY_SIZE, 0.0),
        "note": ("I", SMALL_SIZE, 0.0),
        "quote": ("B", BODY_SIZE, 5.0),
    }.get(block.style, ("", BODY_SIZE, 0.0))
    if block.style == "heading" and pdf.will_page_break(4 * LINE):
        pdf.add_page()  # a heading stays with what it introduces
    pdf.set_font(FONT, style, size)
    pdf.set_x(pdf.l_margin + indent)
    height = LINE if size == BODY_SIZE else 3.5
    pdf.multi_cell(
        pdf.epw - indent, height, block.text, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(0.3)


def _table(pdf: FPDF, block: Table) -> None:
    pdf.set_font(FONT, "", 7.8)
    pdf.set_line_width(0.2)
    empty = [[("—" if i == 1 else "", "L", 1) for i in range(len(block.headers))]]
    with pdf.table(
        col_widths=block.widths,
        text_align=block.align,
        line_height=3.6,
        padding=(0.8, 1.0),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        first_row_as_headings=True,
        width=pdf.epw,
        align="LEFT",  # from the left margin (centred on the page, it would not be)
    ) as table:
        heading = table.row()
        for text in block.headers:
            heading.cell(text, align="C")
        for data in block.cells() or empty:
            row = table.row(min_height=block.row_height or None)
            for text, _align, span in data:
                row.cell(text, rowspan=span)
    pdf.ln(1.2)


def _signatures(pdf: FPDF, slip: Slip) -> None:
    if not slip.signatures and slip.recipients is None:
        return
    needed = 30.0
    if pdf.will_page_break(needed):
        pdf.add_page()
    pdf.ln(2)
    top = pdf.get_y()
    count = len(slip.signatures)
    column = pdf.epw / 2
    if slip.recipients is not None:
        # Nơi nhận, on the left of the signer's block (NĐ 30/2020 layout).
        pdf.set_xy(pdf.l_margin, top)
        pdf.set_font(FONT, "BI", 7.6)
        pdf.multi_cell(column, 3.6, slip.recipients.title, align="L", new_x=XPos.LEFT)
        pdf.set_font(FONT, "", 7)
        for line in slip.recipients.lines:
            pdf.multi_cell(column - 4, 3.2, line, align="L", new_x=XPos.LEFT)
    for i, sign in enumerate(slip.signatures):
        # One signature sits on the right, as the signer's block of an official letter does.
        x = pdf.l_margin + column * (i if count > 1 else 1)
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 8)
        pdf.multi_cell(column, 3.6, sign.title, align="C", new_x=XPos.LEFT)
        pdf.set_font(FONT, "I", 7.2)
        pdf.multi_cell(column, 3.4, sign.hint, align="C", new_x=XPos.LEFT)
        pdf.set_xy(x, top + 22)
        pdf.set_font(FONT, "B", 8.6)
        pdf.multi_cell(column, 3.8, sign.name, align="C", new_x=XPos.LEFT)
