"""Finding the CRM user behind a sign-in (email, API token, Slack id): no caller exists yet, so no permission check."""

from __future__ import annotations

from sqlalchemy import select, update

from store.db import DbSession
from store.errors import NotFound
from store.models import User


class UserService:
    """The user directory the adapters sign callers in with; every lookup sees active users only, except `by_email`."""

    def __init__(self, session: DbSession) -> None:
        self.session = session

    async def active_by_email(self, email: str) -> User:
        """The active user with that email, or NotFound naming `email`."""
        user = await self.session.scalar(select(User).where(User.email == email, User.is_active.is_(True)))
        if user is None:
            raise NotFound("email", f"no active user with email {email}")
        return user

    async def by_email(self, email: str) -> User | None:
        """The user with that email, active or not."""
        return await self.session.scalar(select(User).where(User.email == email))

    async def active_by_token_hash(self, digest: str) -> User | None:
        """The active user whose API token has that hash."""
        return await self.session.scalar(select(User).where(User.api_token_hash == digest, User.is_active.is_(True)))

    async def set_token_hash(self, user: User, digest: str) -> None:
        """Store the hash of `user`'s new API token (the previous token stops working)."""
        user.api_token_hash = digest
        await self.session.flush()

    async def active_by_slack_id(self, slack_user_id: str) -> User | None:
        """The active user linked to that Slack user id."""
        return await self.session.scalar(
            select(User).where(User.slack_user_id == slack_user_id, User.is_active.is_(True))
        )

    async def link_slack(self, user: User, slack_user_id: str) -> None:
        """Link `user` to a Slack user id, taking it from any other user (a deactivated one may have held it)."""
        if user.slack_user_id != slack_user_id:
            await self.session.execute(
                update(User).where(User.slack_user_id == slack_user_id).values(slack_user_id=None)
            )
            user.slack_user_id = slack_user_id
