"""Who is acting: the Teams user behind an activity, as an Actor with the directory's roles."""

from __future__ import annotations

from botbuilder.schema import Activity

from bot.adapter import tenant_of
from bot.directory import Directory
from debrief.permissions import Actor


def actor_for(activity: Activity, directory: Directory) -> Actor | None:
    """None when Teams did not say who it is: such an activity may do nothing."""
    sender = activity.from_property
    tenant = tenant_of(activity)
    if sender is None or not sender.aad_object_id or not tenant:
        return None
    user_id = str(sender.aad_object_id)
    # The directory's name wins: a display name is for reading, never for deciding anything.
    name = directory.name_for(user_id) or (sender.name or "Unknown user")
    return Actor(tenant_id=tenant, user_id=user_id, name=name, roles=directory.roles_for(user_id))
