"""One router per feature; ``create_app`` includes them all. Only ``statehub.api.app``
imports them; they call into the layers below (``sweep``, ``store``, cadence) and stay thin.
"""
