"""Activity types (page, quiz, ...) are plugins found through the ``learn_habitat.activities``
entry-point group, the same way an outside package would add one."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points
from types import MappingProxyType

from learn_habitat.activities.base import ActivityType

ENTRY_POINT_GROUP = "learn_habitat.activities"

__all__ = ["ENTRY_POINT_GROUP", "ActivityType", "activity_types"]


@lru_cache(maxsize=1)
def activity_types() -> MappingProxyType:
    """Every installed activity type, by the name lessons give in ``type:``."""
    found = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        activity_class = entry_point.load()
        if not (isinstance(activity_class, type) and issubclass(activity_class, ActivityType)):
            raise TypeError(f"{entry_point.value} is not an ActivityType subclass")
        found[entry_point.name] = activity_class()
    return MappingProxyType(found)
