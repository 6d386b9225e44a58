"""The REST API under ``/api/v1`` and the public widget API under ``/widget/v1``.

Endpoints are thin: parse (pydantic), call the domain or a service, serialise. Every error
is JSON, ``{"error": {"code", "message", "fields"}}``; see :mod:`.errors`.
"""
