"""``console``: writes each message as a readable block to the log, for development.

Nothing leaves the machine: the block goes to the ``motcua.notifications.console`` logger
(standard error of ``motcua worker`` with the default logging). It never fails.
"""

from __future__ import annotations

import logging

from ..models import Notification
from ..registry import register

logger = logging.getLogger("motcua.notifications.console")

RULE = "-" * 72


@register("email", "console")
@register("sms", "console")
@register("console", "console")
class ConsoleChannel:
    name = "console"

    def send(self, notification: Notification) -> None:
        lines = [
            RULE,
            f"[{notification.channel}] → {notification.recipient}",
            f"key: {notification.key}",
        ]
        if notification.subject:
            lines.append(f"subject: {notification.subject}")
        lines += ["", notification.body, RULE]
        logger.info("\n%s", "\n".join(lines))
