"""Page objects: what a test does on a page, named as the visitor or agent would say it."""

from .admin import AdminConsole
from .demo import DemoPage
from .inbox import InboxPage
from .widget import ChatWidget

__all__ = ["AdminConsole", "ChatWidget", "DemoPage", "InboxPage"]
