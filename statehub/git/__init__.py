"""Running git safely: timeouts, process groups, no prompts, no repo-named programs;
and what the sweep asks of git (inspect, fetch, fast-forward, push). Everything here does I/O.

Imported by ``sweep`` and by ``demofleet`` (which builds its repos with the same runner);
it imports only ``fleet`` (to parse what git prints) and ``errors``.
"""
