"""activity-core's database: definitions mirrored from YAML and the ActivityRun audit trail."""

from activitycore.store.database import Store

__all__ = ["Store"]
