"""Running git safely: timeouts, process groups, no prompts. Everything here does I/O."""
