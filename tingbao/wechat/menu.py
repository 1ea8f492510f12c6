"""The account's custom menu: three click buttons whose keys the endpoint maps to intents.

WeChat posts a click as an event whose EventKey is the button's key: "latest" (the latest issue),
"listen" (the whole issue's audio), "hotline" (the newsroom's phone, e-mail and address). The
keys are the contract with the endpoint; the labels are what followers read. Setting a menu
needs a verified account (`tingbao wechat --menu`); it reaches followers within minutes.
"""

from __future__ import annotations

from typing import Any, Protocol

LATEST = "latest"
LISTEN = "listen"
HOTLINE = "hotline"

BUTTONS: tuple[tuple[str, str], ...] = (
    ("最新一期", LATEST),
    ("收听整期", LISTEN),
    ("新闻热线", HOTLINE),
)
MENU_KEYS = frozenset(key for _, key in BUTTONS)


class MenuApi(Protocol):
    """What setting the menu needs of the API (WechatApi has it)."""

    def set_menu(self, buttons: list[dict[str, Any]]) -> None: ...


def menu_buttons() -> list[dict[str, Any]]:
    """Return the menu as WeChat's menu/create takes it."""
    return [{"type": "click", "name": name, "key": key} for name, key in BUTTONS]


def set_menu(api: MenuApi) -> None:
    """Replace the account's menu with ours (WechatError when WeChat refuses)."""
    api.set_menu(menu_buttons())
