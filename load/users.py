"""The personas of a load run, one Locust user class each (in the style of Locust's own
examples): :class:`Visitor`, :class:`Agent` and a low-weight :class:`Admin`.

Visitors speak the widget's protocol as the shipped widget does (``web/static/loader.js``
and ``web/static/widget/*.js``): the config call for each page view (device and the widget's
cookies kept per visitor), then for a chat a socket ticket (``POST
/widget/v1/{account}/socket-ticket``), ``/ws/visitor?account_id=…&ticket=…``, a ``start``
frame with the first message and its client id, ``message`` frames, and the CSAT answer over
REST when the chat closes. A visitor who is not answered within its patience leaves (closes
the conversation). Agents log in, set their status, hold ``/ws/agent`` (with a ticket from
``POST /api/v1/auth/socket-ticket``), take the chats routing gives them (up to their
capacity: the server's rule), reply and close after the scenario's handling time.

Every duration of the scenario is divided by the plan's speed-up. The plan comes from
``LOADTEST_PLAN`` (:mod:`load.plan`). One module each: :mod:`load.visitor`,
:mod:`load.agent`, :mod:`load.admin`, and what they share, :mod:`load.persona`.
"""

from __future__ import annotations

from .admin import Admin
from .agent import Agent
from .persona import LoadUser
from .visitor import Visitor

__all__ = ["Admin", "Agent", "LoadUser", "Visitor"]
