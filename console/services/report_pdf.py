"""The consent report's HTML page as a PDF, through xhtml2pdf (ReportLab underneath): the same content, no
hand-written PDF."""

from __future__ import annotations

import io
import logging

from console.errors import InvalidInput

log = logging.getLogger(__name__)


def html_to_pdf(page: str) -> bytes:
    from xhtml2pdf import pisa  # imported here: only the PDF report needs it

    out = io.BytesIO()
    status = pisa.CreatePDF(page, dest=out, encoding="utf-8")
    if status.err:
        log.error("xhtml2pdf reported %s error(s) while rendering the consent report", status.err)
        raise InvalidInput("the PDF could not be rendered; write the report as HTML (--format html)")
    return out.getvalue()
