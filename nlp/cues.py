"""Hand-written cue patterns: danger now, chronic wording, jokes, notices, outside causes.

The learned model takes these cues as features, and the urgency decision
uses them directly. Urgent recall matters more than any other number, and a
handful of phrases (冒烟, 煤气味, 困在电梯里, 晕倒) carry it. The same words
also turn up in chatter ("火锅着了哈哈", "困死了") and in chronic complaints
("电梯经常困人"), which the defusing and chronic cues catch.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise


def _syntax_marks(pattern: str) -> Iterator[tuple[int, str]]:
    """Yield the index and character of each "(", ")" and "|" that is not escaped or inside a class."""
    escaped = in_class = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()|":
            yield index, char


def split_alternatives(pattern: str) -> list[str]:
    """Split a regular expression at its top-level "|" bars.

    Bars inside groups, character classes or after a backslash stay put.
    """
    cuts = []
    depth = 0
    for index, char in _syntax_marks(pattern):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            cuts.append(index)
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[left + 1 : right] for left, right in pairwise(bounds)]


def first_characters(alternative: str) -> str | None:
    """Return a character-class body for the characters a match of one alternative can start with.

    A leading lookbehind is skipped. Literal characters come back escaped for
    use inside [...], and a leading \\d or non-negated class [...] comes back
    as written. Returns None when the start is unknown, such as "." or "[^",
    or when the first item may match nothing ("a?", "(?:...)*"), because a
    match may then start with whatever follows it.
    """
    if alternative.startswith(("(?<!", "(?<=")):
        alternative = alternative[alternative.index(")") + 1 :]

    if alternative.startswith("(?:"):
        end = _group_end(alternative)
        if end is None or _may_match_nothing(alternative[end + 1 :]):
            return None
        starts = [first_characters(inner) for inner in split_alternatives(alternative[3:end])]
        if any(start is None for start in starts):
            return None
        return "".join(start for start in starts if start)

    if alternative.startswith("\\d"):
        start, rest = "\\d", alternative[2:]
    elif alternative.startswith("[") and not alternative.startswith("[^"):
        end = alternative.find("]", 2)
        body = alternative[1:end]
        if end < 0 or "\\" in body or "[" in body:
            return None
        start, rest = body, alternative[end + 1 :]
    elif alternative and alternative[0] not in "\\.[]()|?*+{}^$":
        start, rest = re.escape(alternative[0]), alternative[1:]
    else:
        return None
    return None if _may_match_nothing(rest) else start


def _group_end(pattern: str) -> int | None:
    """Return the index of the ")" that closes the group opening the pattern."""
    depth = 0
    for index, char in _syntax_marks(pattern):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


_QUANTIFIERS = ("?", "*", "+", "{")


def _may_match_nothing(quantifier: str) -> bool:
    """Tell whether the text after an item starts with a quantifier that allows zero repeats."""
    return quantifier.startswith(("?", "*", "{0", "{,"))


def literal_first(alternative: str) -> list[str] | None:
    """Rewrite one alternative as alternatives that each open with a literal character.

    A leading group is distributed over what follows it, so
    "(?:煤气|燃气).{0,4}泄漏" becomes "煤气.{0,4}泄漏" and "燃气.{0,4}泄漏". A
    leading lookbehind moves behind the first character and takes that
    character along, so "(?<![风呼])往里灌" becomes "往(?<!(?:[风呼])往)里灌",
    which tests the same character. Returns None when the alternative opens
    with anything else, such as a class, "." or a quantified item.
    """
    if alternative.startswith("(?:"):
        end = _group_end(alternative)
        if end is None or alternative[end + 1 : end + 2] in _QUANTIFIERS:
            return None
        rest = alternative[end + 1 :]
        rewritten: list[str] = []
        for inner in split_alternatives(alternative[3:end]):
            inner_rewritten = literal_first(inner + rest)
            if inner_rewritten is None:
                return None
            rewritten.extend(inner_rewritten)
        return rewritten

    if alternative.startswith(("(?<!", "(?<=")):
        end = _group_end(alternative)
        if end is None:
            return None
        rest = alternative[end + 1 :]
        if not _opens_with_literal(rest):
            return None
        kind, lookbehind = alternative[:4], alternative[4:end]
        return [f"{rest[0]}{kind}(?:{lookbehind}){rest[0]}){rest[1:]}"]

    return [alternative] if _opens_with_literal(alternative) else None


def _opens_with_literal(alternative: str) -> bool:
    """Tell whether re parses the first item of the alternative as one literal character."""
    return (
        bool(alternative)
        and alternative[0] not in "\\.[]()|?*+{}^$"
        and alternative[1:2] not in _QUANTIFIERS
    )


# The plain alternation of each pattern that _any_of compiled, by compiled
# pattern, so that tests can check that the rewritten form matches the same.
PLAIN_ALTERNATIONS: dict[re.Pattern[str], str] = {}


def _any_of(*patterns: str) -> re.Pattern[str]:
    """Compile the patterns as one alternation that re can search quickly.

    Python's re tries every alternative at every position, unless every
    alternative opens with a literal character. Then it first skips, in C,
    to the next position that contains one of those characters. So each
    alternative is rewritten to open with a literal (see literal_first),
    which about halved the search time of most families on short messages.
    Where that fails for some alternative, a lookahead for the set of
    possible first characters rejects most positions in one step instead.
    Without a known first character for every alternative the plain
    alternation is compiled.

    Raises:
        ValueError: A pattern has a capturing group, which the rewrite
            would repeat and renumber.
    """
    body = "|".join(f"(?:{pattern})" for pattern in patterns)
    if re.compile(body).groups:
        msg = f"cue patterns must not capture, use (?:...) in {body!r}"
        raise ValueError(msg)
    rewritten = [literal_first(alternative) for pattern in patterns for alternative in split_alternatives(pattern)]
    starts = [first_characters(alternative) for alternative in split_alternatives(body)]
    if all(alternatives is not None for alternatives in rewritten):
        compiled = re.compile(_by_first_character([alternative for group in rewritten for alternative in group]))
    elif all(start is not None for start in starts):
        compiled = re.compile(f"(?=[{''.join(starts)}])(?:{body})")
    else:
        compiled = re.compile(body)
    PLAIN_ALTERNATIONS[compiled] = body
    return compiled


def _by_first_character(alternatives: list[str]) -> str:
    """Join alternatives that open with a literal, those with the same first character in one group.

    At a candidate position re tries the alternatives in turn, so "着(?:火|了)"
    costs one comparison where "着火|着了" costs two.
    """
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        groups.setdefault(alternative[0], []).append(alternative[1:])
    return "|".join(
        first + rests[0] if len(rests) == 1 else f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items()
    )


# Danger to life or property happening now, one pattern list per kind of
# danger. The kind picks the first advice a group acknowledgement gives
# (call 119, 120 or 110...), see DANGER_KINDS.
_FIRE = (
    # 打不着火 and 打着火 are a stove that will or will not light.
    r"(?<![不打])着火|起火|失火|发生火灾了|烧起来|烧着了|烧着|火苗|火光|明火|冒烟|冒黑烟|浓烟|全是烟|好大的烟|自燃",
    r"冒火花|火花|冒火星|火星子|爆炸|炸了|焦糊味|烧焦味|糊味|焦味|电线.{0,4}(?:烧|焦|熔)",
    r"(?:电箱|配电箱|闸箱|电表箱|开关箱|总闸).{0,6}(?:冒烟|烟|焦|火)",
)
_GAS = (
    r"煤气味|燃气味|天然气味|煤汽味|液化气味|漏气|(?:煤气|燃气|天然气|液化气|气罐|管道).{0,4}(?:泄漏|泄露)|(?:煤气|燃气|天然气|液化气).{0,6}(?:异味|怪味|臭味|有味|味道|味儿)|煤气.{0,4}味|燃气.{0,4}味|气味很大.{0,6}煤气",
    # A hiss from a gas pipe, and the rotten-egg smell that gas is given so
    # that a leak is noticed.
    r"(?:煤气|燃气|天然气)报警器.{0,6}(?:响|叫|报警)|(?:煤气|燃气|天然气|液化气).{0,6}(?:嘶嘶|呲呲|咝咝|滋滋|哧哧)|(?:煤气|燃气|天然气|液化气).{0,12}臭鸡蛋|臭鸡蛋.{0,6}味.{0,8}(?:煤气|燃气|天然气)",
)
_FLOOD = (
    r"水管.{0,3}(?:爆|裂|破)|管子.{0,2}(?:爆|裂)|爆管|爆了|往外喷|喷水|喷出|呲呲|淹了|被淹|(?<![掉跳扔])进水",
    r"漫了|漫到|漫进|往下灌|(?<![风呼])往里灌|灌进|成河|泡了|泡水|哗哗|瀑布|倒灌|返水|返污水|往上返|往下流|往下淌|还在流|还在漏|跑水",
)
_LIFT = (
    r"困在电梯|电梯困人|电梯.{0,6}困|被困|困住|关在电梯|关电梯里|卡在.{0,8}中间|卡在半空|电梯.{0,10}(?:往下掉|下坠|溜梯|冲顶)|没轿厢|电梯里面.{0,8}(?:出不来|打不开)",
    # A stuck lift with someone still inside: 卡在半空，里面有人.
    r"(?:卡|停|坏|困).{0,10}里面(?:还)?有人(?=$|[,.!?;\s]|在喊|喊|呼救|出不来|被困|呢|啊)|关着人",
    # Someone shut in after the lift is named: 电梯停在5楼，有人被关在里面了.
    r"电梯.{0,15}(?:有人|人)(?:被)?(?:关|困|锁)在?里(?:面|头|边)",
)
# Falling objects and structures.
_FALLING = (
    r"砸下来|掉下来|(?<![虫叶毛渣灰皮])往下掉|砸在|砸到|砸中|坠落|坠下|要掉|摇摇欲坠|快掉了|悬着|挂着晃|高空抛物|坍塌|塌了|塌下来|倒塌|岌岌可危|承重墙.{0,6}(?:裂|断|塌)|倾斜|开裂.{0,6}(?:变大|掉渣)|地基.{0,4}(?:下沉|沉降|塌|裂|掏空)",
)
# Someone hurt or taken ill, including a power cut for someone who lives on a machine.
_MEDICAL = (
    r"被车撞|被撞倒|撞倒了人|撞人了|(?<![别不防])滑倒|(?<![别不防])跌倒|流了.{0,4}血|血流不止|骨折|(?:胳膊|腿|手|骨头)(?:好像|可能|摔)?断了|晕倒|昏倒|昏迷|倒地|倒在[^,.!?;\s]{0,8}(?:不动|起不来|没反应|没动静)|没有?呼吸|没意识|晕过去|不省人事|摔倒|摔了|起不来|流血|出血|满脸是血|头破了|咬人|咬了|咬伤",
    r"说不出话|嘴歪|心脏病|抽搐|没动静|没气了|触电",
    r"(?:停电|没电|断电|跳闸).{0,20}(?:制氧机|呼吸机|透析)|(?:制氧机|呼吸机|透析).{0,20}(?:停电|没电|断电|撑)",
)
# Violence, and people at risk whom the police (110) come for: a threatened
# jump, a child locked in a car, someone missing.
_POLICE = (
    r"拿着刀|持刀|动刀|打起来|打人",
    r"跳楼|楼顶边上|要跳|空调架|爬到窗外|爬出窗|锁在车里|车里.{0,4}锁着|锁着个|走失|没回来|找不到人",
    # Someone in the water or down a hole. A 落水管 is a downpipe, and only a
    # person counts, so a phone dropped in the water is no emergency.
    r"落水(?![管口槽斗])|溺水|(?:人|小孩|孩子|娃|老人|学生|大爷|奶奶|爷爷|阿姨)[^,.!?;\s]{0,4}掉(?:进|到|入|下)?(?:了)?(?:去|水|河|湖|池|塘|井|坑|沟)",
)
_ELECTRIC = (r"漏电|电线.{0,6}(?:掉|断|着火|冒火)",)
# Cries for help that name no danger.
_HELP = (r"救命(?![路钱稻通消])|喊救命",)
# Danger stated as imminent in a formal letter.
_IMMINENT = (r"随时(?:都)?(?:有)?可能.{0,6}(?:起火|着火|爆炸|倒塌|坍塌|坠落|掉落|伤人|出人命)",)

HAZARD = _any_of(
    *_FIRE, *_GAS, *_FLOOD, *_LIFT, *_FALLING, *_MEDICAL, *_POLICE, *_ELECTRIC, *_HELP, *_IMMINENT
)

# Damage done to a building's structure. It stays dangerous however long
# ago it started, so only a hypothetical or a worry ("担心导致坍塌") makes
# it normal, never a duration word.
_STRUCTURAL = (
    r"(?:砸|拆|打|凿|挖|推|掏)(?:坏|掉|除|穿|通|空|倒|了)?.{0,4}(?:承重墙|承重柱|剪力墙|主体结构|梁柱)",
    r"(?:承重墙|承重柱|剪力墙|梁柱).{0,4}(?:砸|拆|打通|凿|挖|推倒|掏空)",
    r"地基.{0,8}(?:挖|掏空|下沉|外露|露出来)|(?:挖|掏).{0,6}地基|墙推了|挖深|岌岌可危|楼体.{0,4}(?:倾斜|开裂|下沉)",
)
STRUCTURAL = _any_of(*_STRUCTURAL)


class DangerKind(enum.StrEnum):
    """The kind of danger an urgent report names, which decides whom to call first."""

    FIRE = "fire"
    GAS = "gas"
    POLICE = "police"
    MEDICAL = "medical"
    LIFT = "lift"
    ELECTRIC = "electric"
    FLOOD = "flood"
    FALLING = "falling"


# The kinds in the order they are tried, so a text that names two dangers
# gets the advice for the graver one: "电梯里有人晕倒了" is medical first.
DANGER_KINDS: tuple[tuple[DangerKind, re.Pattern[str]], ...] = (
    (DangerKind.FIRE, _any_of(*_FIRE)),
    (DangerKind.GAS, _any_of(*_GAS)),
    (DangerKind.POLICE, _any_of(*_POLICE)),
    (DangerKind.MEDICAL, _any_of(*_MEDICAL)),
    (DangerKind.LIFT, _any_of(*_LIFT)),
    (DangerKind.ELECTRIC, _any_of(*_ELECTRIC)),
    (DangerKind.FLOOD, _any_of(*_FLOOD)),
    (DangerKind.FALLING, _any_of(*_FALLING, *_STRUCTURAL)),
)


def find_danger(text: str) -> DangerKind | None:
    """Return the kind of danger a normalised text names, or None when it names none.

    Whether the danger is happening now is decided by Cues.urgent, so call
    this on urgent texts only.
    """
    for kind, pattern in DANGER_KINDS:
        if pattern.search(text) is not None:
            return kind
    return None


# A guess from a sound or a look: "听着像把承重墙砸了".
SEEMS = _any_of(r"听着像|听起来像|好像|像是|似乎|感觉像")

# Calls for help: urgent in a report, but also the first words of advice
# that neighbours give after someone else's alarm.
CALL = _any_of(
    r"快报警|报警(?!器)|快打119|打119|(?<!\d)119(?!\d)|快来人|来人啊|快救|叫120|打120|救护车|120急救"
)

# Advice to others about what to do in an emergency, without a report of one.
ADVICE = _any_of(
    r"别开灯|不要开灯|别按电梯|不要坐电梯|别坐电梯|别用明火|不要用明火|开窗通风|关.{0,2}总阀|捂住口鼻|湿毛巾",
    r"别慌|不要慌|注意安全|大家小心|提醒一下|记得|最好|应该|建议",
)

# Words that mark a report as happening right now.
# 快 before a number is "almost" (快一个月), not "quickly".
NOW = _any_of(
    r"刚才|刚刚|刚|现在(?=.{0,3}(?:又|正|还在|有人|在|就))|正在|还在",
    r"快(?!递|[0-9一二两三四五六七八九十几半])|赶紧|马上|此刻|这会|救命|!",
)

# Words that turn a danger word into a chronic complaint.
_CHRONIC_WORDS = (
    r"经常|老是|总是|常常|多次|反复|时常|每次|天天|每天|好几次|三天两头|隔三差五|频繁|频发|动不动|以前|之前|上次|上回|去年|前几天|曾经|一年到头",
    r"昨天|昨晚|前天|上周|上个月|那天|那次",
    r"多年|长期|长年|至今|每年|将近|数月|好久|很久|多日",
    r"入住以来|交房以来|自.{0,8}以来|来一直",
    # Falls counted over time ("好几个人摔了") are a standing hazard.
    r"(?:好几|好多|不少)(?:个人|个|人|回|次)(?:都)?摔|摔(?:了)?(?:好几|好多|不少)",
)
# Durations, the way letters state how long a problem has lasted.
_DURATIONS = r"\d+\s?(?:年|个月)|[一二两三四五六七八九十几多半]+(?:年|个多?月)"
CHRONIC = _any_of(*_CHRONIC_WORDS, _DURATIONS)
# find_cues searches CHRONIC in two parts. The words open with literal
# characters, which re skips to in C. The durations open with a class, so re
# tries them at every position, but they only run when the text contains
# 年 or 月, which every duration ends with.
_CHRONIC_WORD = _any_of(*_CHRONIC_WORDS)
_DURATION = re.compile(_DURATIONS)

# A danger imagined rather than seen: "这要是着火了拿啥灭".
HYPOTHETICAL = _any_of(
    r"要是|万一|假如|如果|倘若|若|如发生|一旦|的话|请问|咨询|担心|担忧|隐患"
    r"|怕.{0,4}(?:哪天|以后)|早晚",
    # What to do when a danger comes, as safety advice to everyone:
    # "被困电梯时记得按警铃", "被困了要按警铃". A call after 了 ("着火了要打119")
    # may be an alarm, so only the steps a victim takes count there.
    r"(?:时|的时候)(?:一定|千万)?(?:要|就|请|记得|应该|别|不要|切勿)(?:按|走|捂|躲|开|关|打|拨|报|用|坐|乘|慌|跑|撤|等)",
    r"了(?:一定|千万)?(?:要|就|记得|应该)(?:按|走|捂|躲|开窗|关)",
)
# A question about what a fire or an accident would lead to, after a
# described condition ("楼道堆满纸箱 着火了咋办"), is a worry about one to come.
# find_cues counts it as hypothetical only after another clause, because a
# message that opens with the fire ("着火了怎么办") may be a fire now. It is
# searched apart from HYPOTHETICAL, whose prefilter would otherwise stop at
# every 出 and 着 of a text.
WORRY = _any_of(
    r"(?:着火|起火|失火|着起来|烧起来|出事|出了事)了?(?:咋办|怎么办|咋整|谁负责|往哪跑|怎么跑|咋跑|咋逃|怎么逃)"
)
_CLAUSE_MARK = frozenset(" ,.;!?")


def _worry_after_clause(text: str) -> bool:
    return any(match.start() > 0 and text[match.start() - 1] in _CLAUSE_MARK for match in WORRY.finditer(text))


# Chatter, fiction, jokes, notices and hyperbole that carry alarming words.
DEFUSE = _any_of(
    r"哈哈|hhh|233|笑死|笑哭|开玩笑|逗你|段子",
    r"火锅|烤肉|烧烤店|吃鸡|游戏|电影|电视剧|小说|综艺|新闻|报道|视频里|抖音上|梦见|做梦|梦到",
    r"热得|热到|困死|困得|(?<!被)困了(?![人一两俩几个位名老小孩娃]|好[几多])|好困|饿死|热死|冷死|冻死|累死|气死|吓死我了|笑死|烦死|忙死|馋死",
    r"以为|原来是|虚惊|没事了|已经好了|已经修好|已处理|处理好了|灭了|扑灭了|解决了|(?:还好|幸好|好在|幸亏)(?:人)?没(?:事|受伤|伤着|伤到)",
    r"演练|演习|消防检查|安全检查|安检|培训|讲座|宣传|知识|温馨提示|提醒大家|注意防范|预防|防范",
    r"通知|公告|转发|【|告知|敬请|届时|请各位|请业主",
    r"别的小区|隔壁市|外地|老家|听说|据说|网上|朋友圈",
    r"毛毛虫|虫子|落叶",
    r"太(?:好吃|好看|好笑|可爱|香|甜|美|好玩)了?",
    r"杀疯了|炸裂|(?<![着起失])火了|爆款|爆单|爆满|火爆|红火|火得|太火",
)

# The cause lies outside the compound or needs a government department.
EXTERNAL = _any_of(
    r"工地|施工方|建筑工地|打桩|渣土|搅拌站|修地铁|地铁施工|修路|修高架|挖路|市政",
    r"餐馆|饭店|餐饮|烧烤摊|烧烤店|夜宵|宵夜|大排档|小吃店|米粉店|饭馆|酒吧|网吧|歌厅|ktv|KTV|棋牌|麻将馆|足浴|洗脚|按摩店|菜市场|夜市|农贸市场|商铺|门面|门店|底商|临街",
    r"马路|道路|大道|公路|路段|辅道|主干道外|高架|高速|地铁|轻轨|铁路|火车|机场|公交",
    r"垃圾中转站|中转站|垃圾站|垃圾分拣|垃圾处理厂|污水处理厂|焚烧",
    r"开发商|无物业|没有物业|没物业|弃管|开放式小区|无人管理",
    r"城管|交警|环保局|住建|街道办|街道|执法|政府|市长|领导|部门|12345|市民热线",
    r"学校|小学|中学|幼儿园|医院|工厂|厂房|加工厂|物流园|隔壁小区|对面小区|小区外|小区外面|小区旁边|小区周边|周边|附近|外面的|门口马路|围墙外|红线外",
)

# The vocabulary of a complaint or request: rare in small talk.
COMPLAINT = _any_of(
    r"投诉|反映|举报|请求|恳请|希望.{0,10}(?:解决|处理)|请.{0,6}(?:处理|解决|督促|查处|整治)|严重|影响|扰民|隐患",
    r"违规|违法|不作为|不管|没人管|有人管吗|管管|太差|乱收|凭什么|受不了|解决",
)

# "Me too" replies, and bare support for the report before them ("这个要管管了",
# "支持"). Alone they add the sender to the case under discussion, so they
# raise no problem of their own.
ME_TOO_PHRASES = (
    r"(?:(?:同楼|同单元|本楼|我家|我们家|楼上)?\s*\+\s*1|我也是|我家也是|我家也一样|我家也这样|我这也是|我们也是|"
    r"我们家也是|我们楼也是|同上|同问|一样|我也一样|俺也一样|同感|附议|同样遇到了?|我也遇到了?|我家也遇到了?|"
    r"(?:强烈)?支持|顶一下|(?:这个|这事|这种事)?(?:真|真的|确实)?(?:该|要|得|早该|必须)(?:好好)?管(?:一管|管|一下)?了?)"
)
# A phrase typed several times over ("我也是我也是我也是", "+1 +1") is one
# me-too. Each phrase with the marks after it is an atomic group, and those
# marks stop before a +, so a failed match cannot backtrack through the many
# ways of splitting a long run of phrases and blow up.
ME_TOO = re.compile(rf"^\s*+(?>{ME_TOO_PHRASES}(?:[^\w+]|_)*+)+[\s\W_]*$")

# Marks that only ever second a report, unlike "我也是", which also replies to a
# greeting ("我也是，早上好").
AGREEMENT_MARKS = r"(?:同楼|同单元|本楼|我家|我们家|楼上)?\s*\+\s*1|同上|附议|顶一下"

# Lines made only of thanks, goodbyes and acknowledgements ("谢谢,再见",
# "已解决谢谢", "好的收到"): whatever their words, they ask for nothing.
_COURTESY_WORDS = (
    r"(?:谢谢|感谢|多谢|谢了|谢啦|再见|拜拜|好的|好嘞|收到|知道了|明白了?|辛苦了?|麻烦了|"
    r"问题|已经?解决了?|解决了|已经?修好了?|已经?好了|没事了|ok|OK|嗯+|哦+|您|你们|大家|师傅|物业|管家)"
)
COURTESY = re.compile(rf"^[\s\W_]*(?:{_COURTESY_WORDS}[\s\W_]*)+$")

# A question with no subject ("怎么用", "在哪里", "多少钱", "有人知道吗")
# replies to an earlier message. Alone it names nothing
# that anyone could be asked to fix.
_BARE_QUESTION_WORDS = (
    r"(?:怎么|咋|如何)(?:用|弄|搞|办|整|回事|说|处理|申请|交|报)|(?:什么|啥|啥子)(?:情况|意思|时候|事|东西)|"
    r"在哪(?:里|儿|边)?|哪里|哪儿|为什么|为啥|干嘛|多少钱|要多少|多少|找谁|问谁|谁知道|"
    r"(?:有人|有没有人|谁)(?:知道|晓得|清楚)(?:吗|不|么)?|真的吗|是真的吗|是吗|然后呢|咋了|怎么了"
)
# Each word is an atomic group, so a failed match cannot backtrack through
# the ways of splitting a run of words ("那我" is one word or two). Longer
# words come first, so "这事" is not taken as "这".
BARE_QUESTION = re.compile(
    rf"^[\s\W_]*(?>这个|那个|这事|那我|我们|问一下|这|那|我|大家|请问|问下|到底|究竟|应该|该|要|得|能|可以|"
    rf"{_BARE_QUESTION_WORDS}|[啊呀呢吗嘛啦哈哦么呗]|[\s\W_])++$"
)

# Announcements and forwarded notices: nothing for anyone to act on.
NOTICE = _any_of(r"通知|公告|【|转发|温馨提示|告知|届时|敬请谅解|请各位业主|请大家提前")


@dataclass(frozen=True, slots=True)
class Cues:
    """The cue families found in one text, one flag each."""

    hazard: bool
    structural: bool
    seems: bool
    call: bool
    advice: bool
    now: bool
    chronic: bool
    hypothetical: bool
    defuse: bool
    external: bool
    notice: bool
    complaint: bool

    @property
    def urgent(self) -> bool:
        """Danger now: a hazard or a call for help that is neither chronic nor defused.

        Damage to the structure is urgent unless imagined or guessed, whatever its age.

        A chronic word does not defuse a report that also states it is
        happening now ("经常漏水, 现在又在往下流"). A call for help with no
        hazard word counts only without advice wording, because "赶紧打119,
        别开灯" is a neighbour's advice after someone else's alarm.
        """
        if self.defuse:
            return False
        if self.structural and not (self.hypothetical or self.seems):
            return True
        # A hypothetical danger is treated like a chronic one.
        settled = self.chronic or self.hypothetical
        if self.hazard:
            return self.now or not settled
        return self.call and not self.advice and not settled


# One shared Cues per combination of flags, since building a frozen
# dataclass sets each of its twelve fields through object.__setattr__, which
# costs several microseconds a message. There are only 2 ** 12 combinations.
_CUES_BY_FLAGS: dict[tuple[bool, ...], Cues] = {}
# The Cues fields in the order of the flags that find_cues computes.
_FLAG_NAMES = (
    "hazard",
    "structural",
    "seems",
    "call",
    "advice",
    "now",
    "chronic",
    "hypothetical",
    "defuse",
    "external",
    "notice",
    "complaint",
)


def find_cues(text: str) -> Cues:
    """Match every cue family against normalised text.

    Args:
        text: Normalised text, see nlp.normalize.normalize.
    """
    flags = (
        HAZARD.search(text) is not None,
        STRUCTURAL.search(text) is not None,
        SEEMS.search(text) is not None,
        CALL.search(text) is not None,
        ADVICE.search(text) is not None,
        NOW.search(text) is not None,
        _CHRONIC_WORD.search(text) is not None
        or (("年" in text or "月" in text) and _DURATION.search(text) is not None),
        HYPOTHETICAL.search(text) is not None or _worry_after_clause(text),
        DEFUSE.search(text) is not None,
        EXTERNAL.search(text) is not None,
        NOTICE.search(text) is not None,
        COMPLAINT.search(text) is not None,
    )
    cues = _CUES_BY_FLAGS.get(flags)
    if cues is None:
        cues = _CUES_BY_FLAGS[flags] = Cues(**dict(zip(_FLAG_NAMES, flags, strict=True)))
    return cues
