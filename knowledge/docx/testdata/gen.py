#!/usr/bin/python3
"""Makes the DOCX fixtures of knowledge/docx. Run from this folder:

    /usr/bin/python3 gen.py

Needs Debian's python3-docx (and python3-olefile to check the OLE files). The outputs are
committed; run this again only to change them, and keep docx_test.go in sync.

  report.docx      a core title; a heading; a paragraph whose runs split a
                   figure ("504" + ".4亿元"); a tab and a line break; a 3x3
                   table; a list; a tracked deletion (w:delText) and insertion;
                   a field (its instruction must not show); a footnote.
  zh-styles.docx      the same body under a heading style whose id is not
                   "Heading1" (Chinese Word names it "1"), without core.xml.
  encrypted.docx   what Word saves with a password: an OLE compound file
                   with EncryptionInfo and EncryptedPackage streams.
  legacy.docx      a Word 97-2003 document (OLE, WordDocument stream)
                   misnamed .docx.
  bomb.docx        word/document.xml inflates to 80 MiB of spaces.
  truncated.docx   the first half of report.docx.
  not-word.docx    a zip without word/document.xml.
"""

import hashlib
import zipfile

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def run(text, tag="w:t"):
    r = OxmlElement("w:r")
    t = OxmlElement(tag)
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def build(path, title=True):
    d = docx.Document()
    if title:
        d.core_properties.title = "2024年微短剧市场报告"
    d.add_heading("市场规模", level=1)

    # A figure split across runs, as Word does after an edit.
    p = d.add_paragraph("2024年中国微短剧市场规模达到")
    p.add_run("504")
    p.add_run(".4亿元").bold = True
    p.add_run("，同比增长34.9%。")

    # A tab and a line break inside one paragraph.
    p = d.add_paragraph("Market size")
    p.add_run().add_tab()
    p.add_run("50.44 billion yuan")
    p.add_run().add_break()
    p.add_run("Growth: 34.9%")

    # A tracked deletion (must not show) and insertion (must show), and a
    # page-number field whose instruction must not show.
    p = d.add_paragraph("用户规模达")
    dele = OxmlElement("w:del")
    dele.set(qn("w:id"), "1")
    dele.set(qn("w:author"), "editor")
    dele.append(run("5.76", "w:delText"))
    p._p.append(dele)
    ins = OxmlElement("w:ins")
    ins.set(qn("w:id"), "2")
    ins.set(qn("w:author"), "editor")
    ins.append(run("6.62"))
    p._p.append(ins)
    p._p.append(run("亿人。"))
    fld = OxmlElement("w:r")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), "begin")
    fld.append(fc)
    p._p.append(fld)
    p._p.append(run(" PAGE ", "w:instrText"))
    fld = OxmlElement("w:r")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), "separate")
    fld.append(fc)
    p._p.append(fld)
    p._p.append(run("（见第3页）"))
    fld = OxmlElement("w:r")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), "end")
    fld.append(fc)
    p._p.append(fld)
    # The footnote reference; footnotes.xml is added below.
    ref = OxmlElement("w:r")
    fr = OxmlElement("w:footnoteReference")
    fr.set(qn("w:id"), "1")
    ref.append(fr)
    p._p.append(ref)

    t = d.add_table(rows=3, cols=3)
    for i, row in enumerate([["年份", "市场规模", "增长率"], ["2023", "373.9亿元", "267.7%"], ["2024", "504.4亿元", "34.9%"]]):
        for j, cell in enumerate(row):
            t.cell(i, j).text = cell
    # A split figure inside a cell too.
    c = t.cell(2, 1).paragraphs[0]
    c.text = "504"
    c.add_run(".4亿元")

    d.add_paragraph("红果短剧", style="List Bullet")
    d.add_paragraph("ReelShort", style="List Bullet")
    d.add_paragraph("")  # an empty paragraph is dropped
    d.add_paragraph("微短劇用戶規模達6.62億人，佔網民整體的59.7%。")
    d.save(path)
    add_footnote(path)


FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:footnotes xmlns:w="%s">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>'
    '<w:r><w:t xml:space="preserve"> 数据来源：中国网络视听协会，2025</w:t></w:r><w:r><w:t>年3月。</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>" % W
)


def add_footnote(path):
    """python-docx cannot write footnotes: add the part, its relationship and
    its content type by hand."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/footnotes.xml"] = FOOTNOTES.encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdFn" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>',
    )
    parts["word/_rels/document.xml.rels"] = rels.encode()
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace(
        "</Types>",
        '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
    )
    parts["[Content_Types].xml"] = ct.encode()
    write(path, parts)


def write(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def ole(streams):
    """A minimal OLE compound file (version 3, 512-byte sectors) holding two
    streams of 4096 bytes each, so both live in regular sectors."""
    import struct

    end, free, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fatsect, end]
    data = b""
    starts = []
    for _, body in streams:
        assert len(body) == 4096
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(7)] + [end]
        data += body
    fat += [free] * (128 - len(fat))

    def entry(name, kind, child, right, start, size):
        raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB3I", len(raw), kind, 1, nostream, right, child)
            + b"\x00" * 16
            + struct.pack("<I", 0)
            + b"\x00" * 16
            + struct.pack("<IQ", start, size)
        )

    # Siblings are ordered by name length first: the shorter name is the
    # root's child, the longer its right sibling.
    a, b = sorted(range(2), key=lambda i: (len(streams[i][0]), streams[i][0].upper()))
    entries = [None] * 4
    entries[0] = entry("Root Entry", 5, a + 1, nostream, end, 0)
    entries[a + 1] = entry(streams[a][0], 2, nostream, b + 1, starts[a], 4096)
    entries[b + 1] = entry(streams[b][0], 2, nostream, nostream, starts[b], 4096)
    entries[3] = entry("", 0, nostream, nostream, 0, 0)
    directory = b"".join(entries)

    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + data


def main():
    build("report.docx")

    # Chinese Word: style ids are numbers; the name says "heading 1".
    build("zh-styles.docx", title=False)
    with zipfile.ZipFile("zh-styles.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    styles = parts["word/styles.xml"].decode().replace('w:styleId="Heading1"', 'w:styleId="1"')
    parts["word/styles.xml"] = styles.encode()
    body = parts["word/document.xml"].decode().replace('w:val="Heading1"', 'w:val="1"')
    parts["word/document.xml"] = body.encode()
    del parts["docProps/core.xml"]
    write("zh-styles.docx", parts)

    # Word saves a password-protected document as an OLE compound file
    # holding an EncryptionInfo and an EncryptedPackage stream; nothing here
    # can encrypt, so the container is written by hand with stand-in stream
    # contents. A Word 97-2003 .doc is the same container with a
    # WordDocument stream.
    with open("encrypted.docx", "wb") as f:
        f.write(ole([("EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\x00" * 4088), ("EncryptedPackage", hashlib.sha512(b"x").digest() * 64)]))
    with open("legacy.docx", "wb") as f:
        f.write(ole([("WordDocument", b"\xec\xa5" + b"\x00" * 4094), ("1Table", b"\x00" * 4096)]))

    with zipfile.ZipFile("report.docx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    pad = b" " * (80 << 20)
    doc = parts["word/document.xml"]
    i = doc.index(b"<w:body>") + len(b"<w:body>")
    parts["word/document.xml"] = doc[:i] + pad + doc[i:]
    with zipfile.ZipFile("bomb.docx", "w") as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compresslevel=9)

    with open("report.docx", "rb") as f:
        data = f.read()
    with open("truncated.docx", "wb") as f:
        f.write(data[: len(data) // 2])

    write("not-word.docx", {"xl/workbook.xml": b"<workbook/>"})


if __name__ == "__main__":
    main()
