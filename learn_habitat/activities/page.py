"""The ``page`` activity: text to read; complete once viewed."""

from learn_habitat.activities.base import ActivityType


class PageActivity(ActivityType):
    """A page of reading."""

    def completion_rule(self) -> str:
        """A page is complete when the learner has opened it."""
        return "viewed"
