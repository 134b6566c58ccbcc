"""Console browser-test material: the viewports, signing in on the sign-in page, and named screenshots."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from store.signin import DEMO_PASSWORD
from tests.support.paths import ARTIFACTS

DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


def sign_in(
    page: Page, base: str, email: str, password: str = DEMO_PASSWORD, *, path: str = "/console/pipeline"
) -> None:
    page.goto(f"{base}{path}")
    expect(page).to_have_url(re.compile(r"/console/signin"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)
