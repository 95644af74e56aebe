"""Roles and what they allow (RULES.md, "Roles", revision 2).

Each check returns the reasons the action is not allowed (an empty list: allowed), in the words the front ends
show, like the review rules of :mod:`console.domain.reviews`.
"""

from __future__ import annotations

AGENT, REVIEWER, ADMIN = "agent", "reviewer", "admin"
ROLES = (AGENT, REVIEWER, ADMIN)


def role_blockers(role: str) -> list[str]:
    if role in ROLES:
        return []
    return [f"unknown role {role!r} (roles: {', '.join(ROLES)})"]


def agent_addition_blockers(actor: str, actor_role: str, new_role: str, admin_exists: bool) -> list[str]:
    """Adding agents needs ``admin``, except while no admin exists: then anyone may add the first admin."""
    if actor_role == ADMIN or (not admin_exists and new_role == ADMIN):
        return []
    return [
        f"{actor} is not an admin: only an admin can add agents"
        + ("" if admin_exists else " (while no admin exists, anyone may add the first admin)")
    ]


def admin_action_blockers(actor: str, actor_role: str, admin_exists: bool, action: str) -> list[str]:
    """Connecting or disconnecting a channel and adding a location need ``admin`` once an admin exists (while none
    exists, anyone may, as for adding the first admin). ``action`` names it: "connect a channel"."""
    if actor_role == ADMIN or not admin_exists:
        return []
    return [f"{actor} is not an admin: only an admin can {action} once an admin exists"]
