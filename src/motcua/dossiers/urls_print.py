"""Printable forms and the tracking book, under /workspace/print/.

- ``dossier_print:slip`` ``<code>/<number>/``: a form of a dossier as an A5 page (01, 02, 03);
- ``dossier_print:slip_pdf`` ``<code>/<number>.pdf``: the same form as a PDF;
- ``dossier_print:ledger`` ``so-theo-doi/``: the tracking book with its filter;
- ``dossier_print:ledger_xlsx`` ``so-theo-doi.xlsx``: the same book as an XLSX file.
"""

from django.urls import path, re_path

from . import print_views

app_name = "dossier_print"

urlpatterns = [
    path("so-theo-doi/", print_views.ledger_page, name="ledger"),
    path("so-theo-doi.xlsx", print_views.ledger_xlsx, name="ledger_xlsx"),
    re_path(r"^(?P<code>[^/]+)/(?P<number>\d{2})/$", print_views.slip, name="slip"),
    re_path(r"^(?P<code>[^/]+)/(?P<number>\d{2})\.pdf$", print_views.slip_pdf, name="slip_pdf"),
]
