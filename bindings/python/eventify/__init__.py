"""Eventify's C++ library for Python (docs/python.md).

Everything comes from the extension ``eventify._eventify``; ``eventify.outbox`` reads the e-mails
the engine wrote to its outbox folder (how a program learns a verification code).
"""

from ._eventify import *  # noqa: F401,F403
from .outbox import OutboxMail, latest_code, read_outbox  # noqa: F401
