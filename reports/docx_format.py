"""GB/T 9704 (党政机关公文格式) for python-docx: page, fonts, styles, page-number field, tables.

python-docx's ``font.name`` sets only the Latin fonts (w:ascii, w:hAnsi); Word then draws Chinese
in whatever East-Asian font the theme names (often a Japanese one). Every run and every style
here gets ``w:eastAsia`` on its ``w:rFonts`` as well.

Fonts come from settings as fallback chains ("方正小标宋简体,方正小标宋_GBK,华文中宋,…"). The
document names the chain's first font on every run and style (the font the county's office PCs
have; Word and WPS use it there), and the font table (word/fontTable.xml) declares each with
its GB2312 charset, its family and the chain's next font as ``w:altName``, so a PC without
the first font substitutes a Chinese font of the same kind rather than a Western one. This
server's fonts do not decide what the document asks for: it is read on the office PCs.
"""

from __future__ import annotations

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from config import settings

# GB/T 9704-2012 sizes: 2号 = 22pt (title), 3号 = 16pt (body and headings), 4号 = 14pt (page number)
TITLE_SIZE = Pt(22)
BODY_SIZE = Pt(16)
PAGE_NUMBER_SIZE = Pt(14)
TABLE_SIZE = Pt(10.5)  # 五号
LINE_SPACING = Pt(28.95)  # 22 lines a page in the 225 mm type area
TITLE_LINE_SPACING = Pt(35)

STYLE_TITLE = "公文标题"
STYLE_BODY = "公文正文"
STYLE_HEADING = "公文一级标题"
STYLE_SUBHEADING = "公文二级标题"
STYLE_TABLE = "公文表格"
STYLE_CAPTION = "公文表题"


def font_chain(chain: str) -> list[str]:
    """Return the fonts of a comma-separated settings chain, in order."""
    return [name.strip() for name in chain.split(",") if name.strip()]


FONT_SETTINGS = {"title": "font_title", "body": "font_body", "heading": "font_heading",
                 "subheading": "font_subheading"}
# w:family of the font table: 小标宋 is a serif (roman); 仿宋, 黑体 and 楷体 are fixed-pitch CJK (modern)
FONT_TABLE_FAMILY = {"title": "roman", "body": "modern", "heading": "modern", "subheading": "modern"}
GB2312_CHARSET = "86"


def document_fonts() -> dict[str, str]:
    """Return the title/body/heading/subheading fonts: each settings chain's first font."""
    return {role: font_chain(settings.get(name))[0] for role, name in FONT_SETTINGS.items()}


def declare_fonts(document) -> None:
    """Declare each chain's first font in word/fontTable.xml with charset, family and altName."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype == RT.FONT_TABLE)
    fonts = etree.fromstring(part.blob)
    declared = {f.get(qn("w:name")) for f in fonts.findall(qn("w:font"))}
    for role, setting in FONT_SETTINGS.items():
        chain = font_chain(settings.get(setting))
        if chain[0] in declared:
            continue
        font = etree.SubElement(fonts, qn("w:font"))
        font.set(qn("w:name"), chain[0])
        if len(chain) > 1:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), chain[1])
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), GB2312_CHARSET)
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), FONT_TABLE_FAMILY[role])
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
        declared.add(chain[0])
    part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_east_asian_font(element_with_rpr, font_name: str) -> None:
    """Set ascii/hAnsi/eastAsia/cs fonts on a run's or style's ``w:rPr/w:rFonts``."""
    rpr = element_with_rpr.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attribute), font_name)
    # a theme font attribute would override the explicit name in Word
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(attribute)) is not None:
            del rfonts.attrib[qn(attribute)]


def east_asian_font_of(element_with_rpr) -> str | None:
    """Return the ``w:eastAsia`` font of a run or style (None when unset)."""
    rpr = element_with_rpr.rPr
    if rpr is None or rpr.find(qn("w:rFonts")) is None:
        return None
    return rpr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def _paragraph_style(document, name: str, font_name: str, size, *, bold: bool = False,
                     alignment=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_indent=None,
                     line_spacing=LINE_SPACING, space_before=Pt(0), space_after=Pt(0)):
    styles = document.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles["Normal"]
    style.font.name = font_name
    style.font.size = size
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_east_asian_font(style.element, font_name)
    fmt = style.paragraph_format
    fmt.alignment = alignment
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line_spacing
    fmt.space_before = space_before
    fmt.space_after = space_after
    fmt.first_line_indent = first_line_indent
    fmt.widow_control = False
    return style


def setup_document(document) -> dict[str, str]:
    """Apply the A4 page, GB/T 9704 margins and the official styles; return the fonts used."""
    fonts = document_fonts()
    for section in document.sections:
        section.page_width = Mm(210)
        section.page_height = Mm(297)
        section.top_margin = Mm(37)
        section.bottom_margin = Mm(35)
        section.left_margin = Mm(28)
        section.right_margin = Mm(26)
        section.header_distance = Mm(15)
        section.footer_distance = Mm(20)

    normal = document.styles["Normal"]
    normal.font.name = fonts["body"]
    normal.font.size = BODY_SIZE
    set_east_asian_font(normal.element, fonts["body"])

    _paragraph_style(document, STYLE_TITLE, fonts["title"], TITLE_SIZE, alignment=WD_ALIGN_PARAGRAPH.CENTER,
                     line_spacing=TITLE_LINE_SPACING, space_after=Pt(28.95))
    _paragraph_style(document, STYLE_BODY, fonts["body"], BODY_SIZE, first_line_indent=Pt(32))
    _paragraph_style(document, STYLE_HEADING, fonts["heading"], BODY_SIZE, first_line_indent=Pt(32))
    _paragraph_style(document, STYLE_SUBHEADING, fonts["subheading"], BODY_SIZE, first_line_indent=Pt(32))
    _paragraph_style(document, STYLE_TABLE, fonts["body"], TABLE_SIZE, alignment=WD_ALIGN_PARAGRAPH.CENTER,
                     line_spacing=Pt(18))
    _paragraph_style(document, STYLE_CAPTION, fonts["heading"], BODY_SIZE, alignment=WD_ALIGN_PARAGRAPH.CENTER)
    declare_fonts(document)
    return fonts


def add_run(paragraph, text: str, font_name: str, size=None, *, bold: bool | None = None):
    """Append a run with its East-Asian font set; return the run."""
    run = paragraph.add_run(text)
    run.font.name = font_name
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.bold = bold
    set_east_asian_font(run._element, font_name)
    return run


def add_paragraph(document, text: str, style: str, font_name: str, size=None, *, bold: bool | None = None):
    """Append a paragraph in ``style`` with one run of ``text``; return the paragraph."""
    paragraph = document.add_paragraph(style=style)
    if text:
        add_run(paragraph, text, font_name, size, bold=bold)
    return paragraph


def _field_run(paragraph, instruction: str, font_name: str, size) -> None:
    """Append a complex field (begin, instrText, separate, placeholder, end) — Word fills it in."""
    def char(kind: str):
        run = add_run(paragraph, "", font_name, size)
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._element.append(element)

    char("begin")
    run = add_run(paragraph, "", font_name, size)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._element.append(instr)
    char("separate")
    add_run(paragraph, "1", font_name, size)
    char("end")


def add_page_number_footer(document, font_name: str) -> None:
    """Put "— PAGE —" (4号, centred) in every footer as a live PAGE field."""
    for section in document.sections:
        footer = section.footer
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_run(paragraph, "— ", font_name, PAGE_NUMBER_SIZE)
        _field_run(paragraph, "PAGE", font_name, PAGE_NUMBER_SIZE)
        add_run(paragraph, " —", font_name, PAGE_NUMBER_SIZE)


def add_header_line(document, text: str, font_name: str) -> None:
    """Put a small grey line (the export watermark) at the top left of every page."""
    for section in document.sections:
        header = section.header
        paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        run = add_run(paragraph, text, font_name, Pt(10.5))
        run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)


def _shade(cell, fill_hex: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill_hex)
    tc_pr.append(shading)


def add_table(document, headers: list[str], rows: list[list[str]], font_name: str, *,
              header_font: str | None = None, column_widths_mm: list[float] | None = None):
    """Append a real (editable) Word table with a bold shaded header row; return it."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # look the style id up once: python-docx's paragraph.style setter scans every style per call
    style_id = document.styles[STYLE_TABLE].style_id
    for cell, header in zip(table.rows[0].cells, headers):
        cell.text = ""
        paragraph = cell.paragraphs[0]
        paragraph._p.style = style_id
        add_run(paragraph, header, header_font or font_name, TABLE_SIZE, bold=True)
        _shade(cell, "DDE4EE")
    _repeat_as_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            paragraph = cell.paragraphs[0]
            paragraph._p.style = style_id
            add_run(paragraph, str(value), font_name, TABLE_SIZE)
    if column_widths_mm:
        # fixed layout + grid widths: Word and LibreOffice both honour them (cell widths alone are hints)
        table.autofit = False
        for column, width in zip(table.columns, column_widths_mm):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, column_widths_mm):
                cell.width = Mm(width)
    return table


def _repeat_as_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def new_page(document) -> None:
    """Start a new page (each 附件 begins on its own page) within the one section."""
    document.add_page_break()
