"""The HTTP API: ``create_app(settings)`` builds it; ``statehub serve`` runs it.

Routes, auth, the dashboard and the request bodies live here. Only ``statehub serve``
imports it (inside the command, so no other command loads FastAPI); the documents its
responses share with the CLI's ``--json`` are ``statehub.documents``,
``statehub.sweep.result`` and ``statehub.cadence.document``.
"""

from statehub.api.app import create_app

__all__ = ["create_app"]
