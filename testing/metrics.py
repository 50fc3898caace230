"""Reading a Prometheus text scrape back, for the metrics tests and the bench."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape by (name, labels): ``{("statehub_up", frozenset()): 1.0}``."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    """One sample's value, or None when the scrape does not have it."""
    return samples(text).get((name, frozenset(labels.items())))
