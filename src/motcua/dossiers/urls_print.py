"""Printable forms and the tracking book, under /workspace/print/.

- ``dossier_print:slip`` ``<code>/<number>/``: a form of a dossier as a page to print (01–03,
  04 the apology, 05 or 06 the control sheet and 05 the stop notice by the dossier's set, or
  ``PCXL``, the transfer slip of NĐ 118/2025 Art 20, or ``TBDGQ``, the stop notice of a
  TT 01/2018 dossier, whose set has none);
- ``dossier_print:slip_pdf`` ``<code>/<number>.pdf``: the same form as a PDF;
- ``dossier_print:ledger`` ``so-theo-doi/``: the tracking book with its filter;
- ``dossier_print:ledger_xlsx`` ``so-theo-doi.xlsx``: the same book as an XLSX file.
"""

from django.urls import path, re_path

from . import print_views
from .slips import TRANSFER_SLIP, UNNUMBERED_STOP_NOTICE

# A form of a set ("01"), or an unnumbered form by its short code ("PCXL", "TBDGQ").
NUMBER = rf"(?P<number>\d{{2}}|{TRANSFER_SLIP.form.number}|{UNNUMBERED_STOP_NOTICE.number})"

app_name = "dossier_print"

urlpatterns = [
    path("so-theo-doi/", print_views.ledger_page, name="ledger"),
    path("so-theo-doi.xlsx", print_views.ledger_xlsx, name="ledger_xlsx"),
    re_path(rf"^(?P<code>[^/]+)/{NUMBER}/$", print_views.slip, name="slip"),
    re_path(rf"^(?P<code>[^/]+)/{NUMBER}\.pdf$", print_views.slip_pdf, name="slip_pdf"),
]
