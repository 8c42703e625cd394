from __future__ import annotations

import segno
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def qr_svg(text: str, label: str = "", css_class: str = "qrcode") -> SafeString:
    """An inline SVG QR code of ``text`` (a link, or a code a scanner types), labelled for
    screen readers."""
    svg = segno.make_qr(text, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass=css_class
    )
    attributes = format_html(
        '<svg role="img" aria-label="{}" data-url="{}" ',
        label or _("Mã QR theo dõi số thứ tự"),
        text,
    )
    # segno's markup is generated here, not user input; only the attributes are escaped.
    return mark_safe(svg.replace("<svg ", attributes, 1))
