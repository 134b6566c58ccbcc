"""The HTTP adapter: a Litestar app over the services and the assistant core (`nexa serve`)."""

from bots.http.app import create_app

__all__ = ["create_app"]
