"""The engine's e-mail outbox, read back.

An engine opened with ``outbox_dir`` writes every e-mail as one RFC 5322 ``.eml`` file there,
named ``<time>-<sequence>-<address>.eml``, once a job has sent it (``Engine.run_due_jobs`` when the
engine has no job worker threads). The files sort in the order they were written.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from dataclasses import dataclass
from typing import List, Optional

_CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class OutboxMail:
    path: str
    to: str
    subject: str
    text: str  # the plain-text body, decoded


def read_outbox(outbox_dir: str, to: Optional[str] = None) -> List[OutboxMail]:
    """The mails in the folder, oldest first; only those to ``to`` when given."""
    if not os.path.isdir(outbox_dir):
        return []
    mails = []
    for name in sorted(os.listdir(outbox_dir)):
        if not name.endswith(".eml"):
            continue
        path = os.path.join(outbox_dir, name)
        with open(path, "rb") as file:
            message = email.message_from_binary_file(file, policy=email.policy.default)
        recipient = str(message["To"])
        if to is not None and recipient.lower() != to.lower():
            continue
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        mails.append(OutboxMail(path, recipient, str(message["Subject"]), text))
    return mails


def latest_code(outbox_dir: str, to: str) -> str:
    """The 6-digit code of the newest mail to ``to`` that carries one (verification, reset).

    Raises LookupError when no mail to ``to`` carries a code.
    """
    for mail in reversed(read_outbox(outbox_dir, to)):
        found = _CODE.search(mail.text)
        if found:
            return found.group(1)
    raise LookupError(f"no mail with a code to {to} in {outbox_dir}")
