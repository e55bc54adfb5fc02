"""The replies of a private chat that names no compound yet, worded for each platform.

The Official Account has compound QR codes, whose scene value is the
compound code (see bot.adapters.wecom.parsing). On Telegram a link
t.me/<bot>?start=XQ0001-3 does the same, and officers may print it as a QR
code. The WeCom app and the WeCom AI bot have neither, so their residents
get the code from the liaison officer or the property office.
"""

from __future__ import annotations

from models import Compound

# Other ways than typing to name the compound, by platform.
SHORTCUTS = {
    "wechat_mp": "也可以直接扫描小区二维码，",
    "telegram": "也可以打开小区专员发的小区链接（或扫描它的二维码），",
}
# How many candidates a reply lists before asking for the code.
MAX_LISTED = 5

GREETING = "您好，欢迎使用小区服务。"
NOTED = "您反映的问题已记下，登记住址后会自动转为工单。"
EXAMPLE = "例如“阳光花园 3栋”或“XQ0001 3栋”"


def code_hint(platform: str) -> str:
    """Tell where a resident of `platform` finds the compound code."""
    return f"{SHORTCUTS.get(platform, '')}小区编码可向小区专员或物业服务中心询问。"


def question(platform: str, *, reported: bool, before: str = "") -> str:
    """Return the first reply: the greeting and where the resident lives.

    Args:
        before: A sentence that answers what the resident sent, placed
            after the greeting, such as that a scanned code names no compound.
    """
    noted = NOTED if reported else ""
    return (
        f"{GREETING}{before}{noted}为了把您反映的问题转给对应的小区，请先告诉我们您住在哪个小区、哪一栋："
        f"发送小区名称或编码和楼栋，{EXAMPLE}。{code_hint(platform)}"
    )


def reminder(platform: str, *, reported: bool = False) -> str:
    """Return the reply to a later message that still names no compound."""
    noted = NOTED if reported else ""
    return f"{noted}我们还不知道您住在哪个小区，请发送小区名称或编码和楼栋，{EXAMPLE}。{code_hint(platform)}"


def usage(platform: str, *, first: bool) -> str:
    """Return the reply to a question about the bot from a resident who has not named their compound."""
    greeting = GREETING if first else ""
    return (
        f"{greeting}在这里直接描述遇到的问题即可，写明楼栋和位置，例如“3栋电梯坏了”“2单元楼道灯不亮”，"
        "我们会登记为工单，转给物业、业委会或小区党组织办理，办理进展会私信告诉您。"
        f"使用前请先告诉我们您住在哪个小区、哪一栋：发送小区名称或编码和楼栋，{EXAMPLE}。{code_hint(platform)}"
    )


def usage_for_known_home() -> str:
    """Return the reply to a question about the bot from a resident whose compound is known."""
    return (
        "在这里直接描述遇到的问题即可，写明楼栋和位置，例如“3栋电梯坏了”“2单元楼道灯不亮”，"
        "我们会登记为工单，转给物业、业委会或小区党组织办理，办理进展会私信告诉您。"
        "发送“我的工单”可查看您反映过的工单，发送“帮助”可查看全部指令。"
    )


def code_not_found(code: str) -> str:
    return f"没有找到编码为“{code}”的小区。"


def name_not_found(platform: str) -> str:
    """Return the reply to a line that names a building and a compound that does not exist."""
    return f"没有找到该小区，请核对小区名称，或改发小区编码和楼栋，例如“XQ0001 3栋”。{code_hint(platform)}"


def suggestion(close: tuple[Compound, ...], building: str | None) -> str:
    """Return the reply that offers the compounds whose names are close to a misspelt one."""
    example_building = f"{building}栋" if building else "3栋"
    if len(close) == 1:
        compound = close[0]
        return f"没有找到该小区。您是不是住在{compound.name}？如果是，请发送“{compound.code} {example_building}”。"
    listed = "、".join(f"{c.name}（{c.code}）" for c in close[:MAX_LISTED])
    example = f"{close[0].code} {example_building}"
    return f"没有找到该小区。相近的小区有：{listed}。请发送您所住小区的编码和楼栋，例如“{example}”。"


def ambiguous(candidates: tuple[Compound, ...]) -> str:
    listed = "、".join(f"{c.name}（{c.code}）" for c in candidates[:MAX_LISTED])
    return f"有多个小区与您发送的名称相符：{listed}。请发送小区编码和楼栋，例如“{candidates[0].code} 3栋”。"


def welcome(compound: Compound, building: str | None) -> str:
    where = f"{compound.name}{building}栋" if building else compound.name
    return (
        f"您好，已记录您住在{where}。今后您在这里直接描述遇到的问题即可，"
        f"例如“电梯坏了”“楼道灯不亮”，我们会登记为工单并转交处理。"
    )


def invalid_building(number: str, maximum: int, example: str = EXAMPLE) -> str:
    """Return the reply to a building number the register would reject, with the accepted range.

    `example` shows what to send instead: the compound and building while
    the resident names their home, only the address in a bound chat.
    """
    return f"{building_bounds(number, maximum)}请重新发送，{example}。"


def building_bounds(number: str, maximum: int) -> str:
    """Return the sentence that rejects a building number and gives the accepted range."""
    return f"楼栋号“{number}”无效，应为 1 到 {maximum} 之间的数字。"


def building_not_recorded(number: str, maximum: int) -> str:
    """Return the line added to a report's receipt when the building it named was dropped as invalid."""
    return f"{building_bounds(number, maximum)}工单暂未记录楼栋，请回复正确的楼栋，例如“不对，是3栋的”。"
