"""The remote-all consistency sweep: engine, lock, reconciliation and its result document."""
