"""Phrases that teach the urgency boundary: chronic danger words and buried alarms.

CHRONIC holds complaints that use the words of an emergency about something
that keeps happening ("电梯老是关人"): the category is the same as for the
emergency, the urgency is normal. BURIED_OPENERS are small-talk openings put
before an urgent report, the way a resident mentions smoke at the end of a
message about something else.
"""

from __future__ import annotations

CHRONIC: dict[str, list[str]] = {
    "repair": [
        "{b}电梯三天两头关人 上礼拜又关了一个",
        "这电梯老是困人 维保到底有没有来过",
        "地库一下大雨就进水 年年都这样",
        "{b}的水管隔三差五就爆一次 能不能换新的",
        "电梯经常下坠一截 坐着心里发毛 啥时候大修",
        "楼顶每年雨季都漏 顶楼住户苦不堪言",
    ],
    "safety": [
        "楼道里老有人给电瓶车充电 早晚要出事",
        "{b}外墙的瓷砖经常往下掉 一直没人修",
        "小区高空抛物不是一次两次了 能不能装个摄像头",
        "每年冬天都有人在楼道烧炭取暖 太危险",
        "燃气管道锈成这样 总担心哪天漏气",
        "流浪狗在小区里经常追人 得想想办法",
        "去年那次着火之后 消防通道还是天天堵着",
    ],
    "neighbor": [
        "楼上卫生间漏水漏了大半年了 修了几次还是漏",
        "楼上家里经常跑水 我家天花板都黄了",
        "邻居的狗老是冲出来吓唬人 说了也不拴",
    ],
    "utilities": [
        "一到夏天就频繁停电 空调开不了",
        "这个月已经停了三次水了 每次都没通知",
        "暖气管道每年都要漏几次 供暖公司来了就糊弄",
    ],
    "care": [
        "楼下独居的老人经常摔跤 社区能不能装个呼叫器",
        "隔壁阿姨有心脏病 一个人住 大家平时多照应",
    ],
}

BURIED_OPENERS = [
    "今天的快递到了没",
    "谁知道菜鸟驿站几点关门",
    "大家晚上好 说个事",
    "物业费的事先放一放",
    "刚遛完狗回来",
    "接孩子放学路过{p}",
    "正在群里看团购呢",
    "下楼扔垃圾的时候",
    "跟大家说一下 刚才",
    "我在{b}楼下等人",
]

MIXED_TAILS = ["，另外", "。还有", " 还有 ", "，顺便说下", "。对了", "；再就是", "，而且"]
