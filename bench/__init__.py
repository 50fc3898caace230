"""Benchmarks (``make bench``): the sweep, the API and the scheduler measured against
baselines in the same run, written to ``docs/benchmarks.md``.

Imports the product and ``testing`` (servers, fleets with slow remotes); nothing imports
it but its own smoke test (``tests/bench``). Never shipped.
"""
