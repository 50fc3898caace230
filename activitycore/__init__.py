"""activity-core: activity definitions as Temporal Schedules, a worker that runs their HTTP
actions, and the ActivityRun audit trail."""
