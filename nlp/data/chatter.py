"""Everyday chit-chat composed from parts: greetings, daily life, weather, replies.

Group chats are mostly talk that should never open a case, and much of it is
not about the compound at all ("下班了", "外面冷吗"). A few hundred hand-made
chat lines cannot cover that variety, so these parts are combined into
short lines of the same shape.
"""

from __future__ import annotations

import random

GREETINGS = ["早", "早上好", "早安", "午安", "晚上好", "晚安", "大家好", "在吗", "有人吗", "你好呀"]
GREETINGS += ["各位好", "好久不见", "周末愉快", "新年好", "大家辛苦了", "回来啦"]
TIMES = ["今天", "明天", "刚才", "周末", "晚上", "中午", "一会儿", "下午", "过年", "放假", "国庆"]
TIMES += ["这两天", "最近", "等会", "早上", "昨天"]
ACTIVITIES = ["回家", "上班", "下班", "加班", "吃饭", "睡觉", "出去玩", "逛街", "买菜", "做饭"]
ACTIVITIES += ["看电影", "带娃", "遛弯", "跑步", "洗澡", "追剧", "喝茶", "钓鱼", "爬山", "打球"]
ACTIVITIES += ["回老家", "去旅游", "接孩子", "写作业", "考试", "开会", "出差", "搬家", "学车"]
QUESTION_TAILS = ["了吗", "了没", "了嘛", "没", "吗", "不", "去不去", "啊"]
WEATHER = ["下雨了", "下雪了", "好冷", "好热", "天气真好", "刮风了", "天阴了", "出太阳了", "变天了"]
WEATHER += ["降温了", "起雾了", "天气变凉了", "外面热么", "今天挺暖和", "雨停了", "好闷啊"]
REPLIES = ["加油", "辛苦了", "哈哈", "好的", "嗯嗯", "是的", "对啊", "厉害", "真棒", "羡慕"]
REPLIES += ["太好了", "没事", "好吧", "收到", "谢谢", "客气了", "可以的", "同感", "哈哈哈", "笑死"]
REPLIES += ["赞", "支持", "明白", "知道了", "我也是", "+1", "顶", "不客气", "好嘞", "是吗"]
FEELINGS = ["好累", "好开心", "无聊", "饿了", "困了", "想家了", "心情不错", "有点烦", "好忙"]
FEELINGS += ["太舒服了", "累死了", "开心死了", "不想上班", "想吃火锅", "想睡觉"]
PEOPLE = ["你", "你们", "大家", "我", "我们", "孩子", "老公", "我妈"]
PARTICLES = ["", "", "", "啊", "呀", "啦", "了", "哦", "~", "!", "哈哈", "嘿嘿"]


def compose_chatter(rng: random.Random, count: int) -> list[str]:
    """Return `count` distinct short chit-chat lines (fewer if the parts run out).

    Args:
        rng: The generator's seeded random source.
        count: How many lines to make.
    """
    makers = [
        lambda: rng.choice(GREETINGS) + rng.choice(PARTICLES),
        lambda: rng.choice(TIMES) + rng.choice(ACTIVITIES) + rng.choice(PARTICLES),
        lambda: rng.choice(PEOPLE) + rng.choice(ACTIVITIES) + rng.choice(QUESTION_TAILS),
        lambda: rng.choice(TIMES) + rng.choice(PEOPLE) + rng.choice(ACTIVITIES),
        lambda: "几点" + rng.choice(ACTIVITIES) + rng.choice(["啊", "呢", "", "?"]),
        lambda: rng.choice(TIMES) + rng.choice(WEATHER) + rng.choice(PARTICLES),
        lambda: rng.choice(WEATHER) + rng.choice(PARTICLES),
        lambda: rng.choice(REPLIES) + rng.choice(PARTICLES),
        lambda: rng.choice(REPLIES) + " " + rng.choice(REPLIES),
        lambda: rng.choice(FEELINGS) + rng.choice(PARTICLES),
        lambda: rng.choice(PEOPLE) + rng.choice(FEELINGS),
        lambda: "要不要一起" + rng.choice(ACTIVITIES),
        lambda: "不想" + rng.choice(ACTIVITIES) + rng.choice(PARTICLES),
        lambda: rng.choice(["你在几号楼", "你住几单元", "你家几楼", "你是哪栋的"]),
    ]
    lines: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 4):
        line = rng.choice(makers)().strip()
        if line and line not in seen:
            seen.add(line)
            lines.append(line)
            if len(lines) == count:
                break
    return lines
