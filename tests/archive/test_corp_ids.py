"""Which user ids name a corp member on the WeCom routes, read from the id alone."""

from __future__ import annotations

import pytest

from handlers.directory import CORP_ACCOUNT_PLATFORMS, corp_account_platforms, is_generated_external_id

APP_ROUTES = ("wecom", "wecom_aibot")
GENERATED = "wmQ3kTBwAAx5Jf0cZ2mNf8LqW1sVyR0A"
ROBOT = "wbjc7bDWAAJVYIUKpSA3Z5U11tDO4AAA"


@pytest.mark.parametrize(
    ("user_id", "generated"),
    [
        (GENERATED, True),
        (ROBOT, True),
        ("woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA", True),
        ("wmWAFzDwAA04t0V_f4jnJRkTQAQ", True),
        ("wolf", False),
        ("wmz", False),
        ("wo.zhang@corp", False),
        ("wangming", False),
        ("zhangsan", False),
        ("wm" + "a" * 63, False),
    ],
)
def test_generated_external_id_shape(user_id: str, generated: bool) -> None:
    assert is_generated_external_id(user_id) is generated


@pytest.mark.parametrize(
    ("platform", "user_id", "expected"),
    [
        ("wecom_archive", "zhangsan", CORP_ACCOUNT_PLATFORMS),
        ("wecom_archive", "wolf", CORP_ACCOUNT_PLATFORMS),
        ("wecom_archive", GENERATED, ()),
        ("wecom_archive", ROBOT, ()),
        ("wecom", "wolf", CORP_ACCOUNT_PLATFORMS),
        ("wecom", GENERATED, APP_ROUTES),
        ("wecom_aibot", "wmz", CORP_ACCOUNT_PLATFORMS),
        ("wecom_aibot", GENERATED, APP_ROUTES),
        ("wechat_mp", "zhangsan", ()),
        ("wecom", "", ()),
    ],
)
def test_corp_account_platforms(platform: str, user_id: str, expected: tuple[str, ...]) -> None:
    assert corp_account_platforms(platform, user_id) == expected
