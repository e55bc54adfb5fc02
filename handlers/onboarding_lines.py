"""Classification of a private-chat line sent before the compound is known: a report, a question or small talk.

Only a report is kept and registered once the resident names their home.
A question about the bot ("怎么用", "怎么报修") gets the usage help, and a
greeting or "在吗" gets at most the occasional reminder, so none of them
turns into a case. A try at the address is recognised in
handlers.onboarding, because its reply names the compounds it comes close to.
"""

from __future__ import annotations

import re

from handlers.onboarding import LineKind, tries_to_name_home
from nlp.cues import find_danger
from nlp.findings import Finding
from nlp.normalize import normalize
from nlp.subjects import subjects

# Questions about the bot and wishes to report without saying what:
# 怎么用, 如何报修, 你们能做什么, 这是干什么的, 我要投诉.
_ABOUT_BOT = re.compile(
    r"(?:怎么|怎样|如何|咋)样?(?:使用|用|操作|弄|报修|报事|反映|投诉|登记|提交|留言|联系|查询|查|看)"
    r"|(?:能|可以|会)帮?我?(?:做|干|办)(?:些)?(?:什么|啥)"
    r"|(?:有|是)(?:什么|啥)用|是?(?:做|干)(?:什么|啥)的|干嘛的|使用说明|使用方法|用法"
    r"|(?:要|想)(?:报修|报事|投诉|反映(?:一下|个)?问题|反映一下|反映)"
)
# Words around such a question that raise no matter of their own: 请问, 你们,
# 这个, 物业, and particles. Longer words come first, so 请问 is taken whole.
_FILLER = re.compile(
    r"请问|问一下|问下|你好|您好|在吗|这个|这里|那个|你们|您们|机器人|小助手|助手|系统|平台|公众号|小程序|"
    r"应用|一下|问题|事情|物业|业委会|居委会|社区|小区|工单|进度|"
    r"[我你您这那要想该请问吗呢啊呀吧哈的是在里啦么嘛哦呃亲\s\W_]"
)
# Characters a question may keep beyond its fillers, such as the 个 of 这个东西.
_MAX_LEFTOVER = 1


def asks_how_to_use(text: str) -> bool:
    """Tell whether a line is a question about using the bot rather than a report of a problem.

    "电梯坏了怎么报修" names a thing and "物业不作为怎么投诉" a complaint,
    so both stay reports; only a line with nothing but the question and
    filler words counts.
    """
    folded = normalize(text)
    if not _ABOUT_BOT.search(folded) or subjects(folded) or find_danger(folded) is not None:
        return False
    leftover = _FILLER.sub("", _ABOUT_BOT.sub("", folded))
    return len(leftover) <= _MAX_LEFTOVER


def read_line(text: str, findings: list[Finding], triage_threshold: float) -> LineKind:
    """Tell how the onboarding treats a line, given the classifier's findings on it.

    A line counts as a report when the classifier finds something to act on
    and it is neither a question about the bot nor a try at the address.
    """
    if asks_how_to_use(text):
        return LineKind.QUESTION
    if any(f.actionable for f in findings) and not tries_to_name_home(text, findings, triage_threshold):
        return LineKind.REPORT
    return LineKind.OTHER
