"""The HTTP API: ``create_app(settings)`` builds it; ``statehub serve`` runs it."""

from statehub.api.app import create_app

__all__ = ["create_app"]
