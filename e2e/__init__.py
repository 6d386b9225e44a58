"""Playwright browser tests of the widget, the loader, the SDK and the inbox (QA3)."""
