"""No test reaches off this machine: connections to anything but loopback fail, and no model endpoint is configured."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest


def _loopback(host: object) -> bool:
    if not isinstance(host, str) or host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def refuse_network():
    """Tests never reach a real model endpoint (or anything off this machine)."""
    original = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise RuntimeError(f"tests may not connect to {address[0]}: fake it on loopback")
        return original(self, address)

    socket.socket.connect = guarded
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NEXA_LLM_BASE_URL"):
        os.environ.pop(var, None)
    yield
    socket.socket.connect = original
