"""Single-use links to a case's documents: the token goes to the requester, only its sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief.model import Person
from storage import tables as t

_INSERT_LINK = insert(t.document_links)


@dataclass(frozen=True)
class RedeemedLink:
    case_id: int
    kind: str
    requester: Person


def token_hash(token: str) -> str:
    """What is stored for a token: its sha256, hex. The token is random, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(
    engine: AsyncEngine, *, case_id: int, kind: str, requester: Person, now: datetime, lifetime: timedelta
) -> str:
    """A fresh token for one download of the case's `kind` document by `requester`, valid for `lifetime`."""
    if lifetime <= timedelta(0):
        raise ValueError("a document link needs a positive lifetime")
    token = secrets.token_urlsafe(32)
    async with engine.begin() as connection:
        await connection.execute(
            _INSERT_LINK,
            {
                "token_hash": token_hash(token),
                "case_id": case_id,
                "kind": kind,
                "requester_id": requester.user_id,
                "requester_name": requester.name,
                "created_at": now,
                "expires_at": now + lifetime,
            },
        )
    return token


async def redeem_link(
    engine: AsyncEngine, *, token: str, now: datetime, requester_id: str | None = None
) -> RedeemedLink | None:
    """Use the link: what it is for, or None when it is unknown, already used, expired, or (given
    `requester_id`) made for someone else, in which case it stays unspent.

    One conditional UPDATE marks it used, so of two redeems at once exactly one gets the link.
    """
    c = t.document_links.c
    for_whom = [c.requester_id == requester_id] if requester_id is not None else []
    async with engine.begin() as connection:
        row = (
            await connection.execute(
                update(t.document_links)
                .where(c.token_hash == token_hash(token), c.used_at.is_(None), c.expires_at > now, *for_whom)
                .values(used_at=now)
                .returning(c.case_id, c.kind, c.requester_id, c.requester_name)
            )
        ).first()
    if row is None:
        return None
    return RedeemedLink(case_id=int(row.case_id), kind=row.kind, requester=Person(row.requester_id, row.requester_name))
