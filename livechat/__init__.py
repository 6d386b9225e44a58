"""The ``livechat`` command line: serve, simulate, staff, demo."""
