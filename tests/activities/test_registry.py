"""Activity types are found through the entry-point group, as an outside plugin would be."""

import contextlib
from importlib.metadata import entry_points

from learn_habitat.activities import ENTRY_POINT_GROUP, ActivityType, activity_types
from learn_habitat.activities.page import PageActivity


def test_page_is_registered_through_the_entry_point_group():
    names = {entry_point.name for entry_point in entry_points(group=ENTRY_POINT_GROUP)}
    assert "page" in names
    assert isinstance(activity_types()["page"], PageActivity)


def test_every_registered_type_is_an_activity_type_with_a_completion_rule():
    for activity in activity_types().values():
        assert isinstance(activity, ActivityType)
        assert activity.completion_rule()


def test_the_registry_cannot_be_edited_in_place():
    registry = activity_types()
    with contextlib.suppress(TypeError):
        registry["fake"] = PageActivity()
    assert "fake" not in activity_types()
