#!/usr/bin/python3
"""Makes the PDF fixtures of knowledge/pdf. Run from this folder:

    /usr/bin/python3 gen.py

Needs Debian's python3-reportlab, fonts-wqy-microhei and chromium.
The outputs are committed; run this again only to change them, and keep the
page texts in sync with pdf_test.go.

The three kinds of Chinese PDF the reader must get exactly right:

  ttf-subset.pdf    reportlab with WenQuanYi Micro Hei: embedded subset
                    TrueType fonts (simple fonts, custom encoding) with a
                    ToUnicode map.
  identity-h.pdf    Chromium's print to PDF: Type0 fonts, CIDFontType2,
                    encoding Identity-H, with ToUnicode, as Chrome, Word and
                    WPS write them.
  cid-stsong.pdf    reportlab's built-in CID font STSong-Light: not embedded,
                    predefined CMap UniGB-UCS2-H, no ToUnicode (old government
                    documents and e-tickets). Needs poppler-data to read.

report.pdf is a longer report as Chromium prints it, with its running
header and footer. nocopy.pdf has an owner password only (copying not allowed), which readers
open without asking; it must be read. The bad inputs: an encrypted PDF
(user password), a PDF with no text (a
drawing only), a truncated one and a file that only starts like a PDF.
bench-50.pdf is 50 pages for the benchmark.
"""

import html
import os
import shutil
import subprocess
import tempfile

from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

# The known text, one list of lines a page. Every digit appears, next to
# Chinese and after a decimal point, so a digit turned into another shows.
PAGES = [
    [
        "中国微短剧市场报告",
        "2024年中国微短剧市场规模达到504.4亿元，同比增长34.9%。",
        "2024年中國微短劇市場規模達到504.4億元，同比增長34.9%。",
        "China's micro-drama market reached 50.44 billion yuan in 2024, up 34.9% year on year.",
    ],
    [
        "微短剧用户规模达6.62亿人，占网民整体的59.7%。",
        "微短劇用戶規模達6.62億人，佔網民整體的59.7%。",
        "The boom created 647,000 jobs and grew 185-fold; 2025 forecast: 677.9亿元.",
    ],
]

WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def draw(path, font, pages, **kw):
    c = canvas.Canvas(path, pagesize=A4, invariant=1, **kw)
    for lines in pages:
        y = 780
        for i, line in enumerate(lines):
            c.setFont(font, 16 if i == 0 else 11)
            c.drawString(60, y, line)
            y -= 28
        c.showPage()
    c.save()


# A third page for Chromium: paragraphs that wrap (a wrapped line must be
# joined again without a space between Chinese characters, with one between
# English words) and a small table.
WRAPPED = [
    "据行业报告，2024年中国微短剧市场规模达到504.4亿元，首次超过同年全国电影票房，预计2027年将超过1000亿元；用户规模达6.62亿人，占网民整体的59.7%，其中付费用户占比持续上升，免费模式带动广告收入快速增长。",
    "Industry reports put the 2024 market at 50.44 billion yuan, more than the national box office of the same year, with a forecast above 100 billion yuan by 2027 as free, ad-supported apps keep growing.",
]
TABLE = [["年份", "市场规模", "增长率"], ["2023", "373.9亿元", "267.7%"], ["2024", "504.4亿元", "34.9%"]]


def chromium_pdf(path, pages):
    # One div a page; each but the last forces a page break after it.
    divs = []
    for i, lines in enumerate(pages):
        style = ' style="break-after: page"' if i < len(pages) - 1 else ""
        paras = "".join("<p>%s</p>" % html.escape(l) for l in lines)
        divs.append("<div%s>%s</div>" % (style, paras))
    rows = "".join(
        "<tr>%s</tr>" % "".join("<td>%s</td>" % html.escape(c) for c in row) for row in TABLE
    )
    divs[-1] = divs[-1].replace("<div>", '<div style="break-after: page">', 1)
    divs.append(
        '<div style="width:300px">%s<table border="1">%s</table></div>'
        % ("".join("<p>%s</p>" % html.escape(p) for p in WRAPPED), rows)
    )
    doc = (
        '<!doctype html><meta charset="utf-8"><title>identity-h</title>'
        '<style>body{font-family:"WenQuanYi Micro Hei";font-size:14px}</style>'
        + "".join(divs)
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.html")
        with open(src, "w", encoding="utf-8") as f:
            f.write(doc)
        out = os.path.join(tmp, "out.pdf")
        subprocess.run(
            [
                shutil.which("chromium") or "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                "--print-to-pdf=" + out,
                "file://" + src,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.copy(out, path)


def report_paragraphs():
    """Paragraphs long enough to wrap two or three times, each different."""
    out = []
    for k in range(1, 46):
        out.append(
            "第%d段：据行业报告，2024年中国微短剧市场规模达到504.4亿元，同比增长34.9%%，"
            "第%d类平台的用户规模达6.62亿人，占网民整体的59.7%%；预计2027年市场规模将超过1000亿元。"
            % (k, k)
        )
    return out


def chromium_report(path):
    """A report as a browser prints it: justified paragraphs with a
    first-line indent, and Chrome's own running header (date, title) and
    footer (file URL, page "1/4") on every page."""
    paras = "".join("<p>%s</p>" % html.escape(p) for p in report_paragraphs())
    doc = (
        '<!doctype html><meta charset="utf-8"><title>微短剧市场报告</title>'
        '<style>body{font-family:"WenQuanYi Micro Hei";font-size:16px}'
        "p{text-indent:2em;text-align:justify;break-inside:avoid;margin:0 0 12px}</style>"
        + paras
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "report.html")
        with open(src, "w", encoding="utf-8") as f:
            f.write(doc)
        out = os.path.join(tmp, "out.pdf")
        subprocess.run(
            [
                shutil.which("chromium") or "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--print-to-pdf=" + out,
                "file://" + src,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.copy(out, path)


def main():
    pdfmetrics.registerFont(TTFont("WQY", WQY, subfontIndex=0))
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))

    draw("ttf-subset.pdf", "WQY", PAGES)
    chromium_pdf("identity-h.pdf", PAGES)
    chromium_report("report.pdf")
    draw("cid-stsong.pdf", "STSong-Light", PAGES)

    bench = []
    for n in range(50):
        bench.append(
            ["第%d页 Page %d" % (n + 1, n + 1)]
            + [line for lines in PAGES for line in lines[1:]] * 4
        )
    draw("bench-50.pdf", "WQY", bench)

    draw("encrypted.pdf", "WQY", PAGES, encrypt="secret")
    no_copy = pdfencrypt.StandardEncryption("", ownerPassword="owner", canCopy=0)
    draw("nocopy.pdf", "WQY", PAGES, encrypt=no_copy)

    c = canvas.Canvas("no-text.pdf", pagesize=A4, invariant=1)
    c.rect(100, 100, 300, 300, fill=1)
    c.showPage()
    c.save()

    with open("ttf-subset.pdf", "rb") as f:
        data = f.read()
    with open("truncated.pdf", "wb") as f:
        f.write(data[: len(data) // 3])
    with open("not-a-pdf.pdf", "wb") as f:
        f.write(b"%PDF-1.4\n" + b"this is not a PDF at all\n" * 20)


if __name__ == "__main__":
    main()
