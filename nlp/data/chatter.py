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
WEATHER += ["降温了", "起雾了", "天气转凉了", "外头晒不晒", "今天挺暖和", "雨停了", "好闷啊"]
REPLIES = ["加油", "辛苦了", "哈哈", "好的", "嗯嗯", "是的", "对啊", "厉害", "真棒", "羡慕"]
REPLIES += ["太好了", "没事", "好吧", "收到", "谢谢", "客气了", "可以的", "同感", "哈哈哈", "笑死"]
REPLIES += ["赞", "支持", "明白", "知道了", "我也是", "+1", "顶", "不客气", "好嘞", "是吗"]
FEELINGS = ["好累", "好开心", "无聊", "饿了", "困了", "想家了", "心情不错", "有点烦", "好忙"]
FEELINGS += ["太舒服了", "累死了", "开心死了", "不想上班", "想吃火锅", "想睡觉"]
PEOPLE = ["你", "你们", "大家", "我", "我们", "孩子", "老公", "我妈"]
# Notices, thanks, events and adverts name the property firm, the water
# supply or the lift, but request no action.
NOTICE_TITLES = ["停水通知", "停电通知", "温馨提示", "物业通知", "社区通知", "重要提醒", "公告"]
NOTICE_REASONS = ["因管网检修", "因线路改造", "因电梯年检", "因水箱清洗", "因绿化打药", "因消防设施检测"]
NOTICE_REASONS += ["因外墙清洗", "因道路维修", "应供电公司安排", "因燃气入户安检"]
NOTICE_TIMES = ["明天上午", "本周六全天", "下周一9点至17点", "今晚22点后", "周三下午", "月底前"]
NOTICE_ACTIONS = ["暂停供水", "暂停供电", "电梯暂停使用", "部分道路封闭", "工作人员将入户", "请勿在草坪逗留"]
NOTICE_REQUESTS = ["请提前储水", "请家中留人", "请大家相互转告", "不便之处敬请谅解", "请走楼梯", "请注意安全"]
THANKS = ["谢谢", "感谢", "多谢", "特别感谢", "真心感谢", "点赞"]
HELPERS = ["物业的师傅", "门岗师傅", "管家", "保洁阿姨", "维修师傅", "网格员", "社区的同志", "楼长"]
HELPERS += ["物业小李", "绿化师傅", "邻居大姐"]
DEEDS = ["帮我修好了水龙头", "帮我把快递搬上楼", "昨晚帮我找到了钥匙", "帮我家老人挂了号"]
DEEDS += ["把楼道打扫得干干净净", "当天就把灯换好了", "冒雨帮大家疏通了排水", "帮我把车挪开了"]
DEEDS += ["帮我开了门", "耐心给我讲了政策"]
PRAISES = ["", " 态度特别好", " 辛苦了", " 太暖心了", " 服务真到位", " 为你们点赞", " 给你们送面锦旗"]
EVENTS = ["社区在活动中心办书法班", "物业组织业主包饺子", "广场有免费义诊", "小区篮球赛开打了"]
EVENTS += ["社区发放防诈骗宣传单", "中心广场有露天电影", "图书角新到了一批书", "物业给老人送重阳糕"]
INVITATIONS = ["", " 欢迎参加", " 感兴趣的来", " 带上孩子一起来", " 名额有限", " 先到先得"]
ADVERTS = ["出租", "出售", "转让", "求租", "低价出", "急售"]
GOODS = ["两室一厅", "地下车位一个", "九成新的冰箱", "儿童自行车", "一套沙发", "钢琴", "电动车"]
ADVERT_TAILS = [" 有意私聊", " 价格可议", " 加微信详谈", " 拎包入住", " 自提", " 非诚勿扰"]

# Advice that neighbours give after someone else raised an alarm: emergency
# words without a new report.
ADVICE_OPENERS = ["赶紧", "快", "先", "记得", "最好", "千万", "大家", "一定要"]
ADVICE_STEPS = ["打119", "打电话给燃气公司", "关掉燃气总阀", "开窗通风", "别开灯", "别碰电闸"]
ADVICE_STEPS += ["别坐电梯 走楼梯", "拿湿毛巾捂住嘴", "把孩子带下楼", "通知物业值班室", "报警"]
ADVICE_STEPS += ["别围观", "远离窗户", "拉下电闸", "别用明火"]
# Introductions by officers, property staff and volunteers joining the group.
INTRO_WHO = ["社区派驻的专员", "街道的联络员", "新来的网格员", "物业新来的管家", "小区党支部的书记"]
INTRO_WHO += ["楼栋长", "志愿者", "社区民警", "物业客服"]
INTRO_NAMES = ["小林", "小王", "老张", "小周", "刘姐", "小陈", "李阿姨"]
INTRO_TAILS = ["以后有事可以找我", "大家反映的问题会自动登记", "有问题在群里说就行"]
INTRO_TAILS += ["请多关照", "每周我会汇总大家的意见", "负责咱们这几栋楼"]
AGREEMENTS = ["是的是的", "同意楼上", "对对对", "我也觉得", "说得对", "附议", "赞同", "楼上说得对"]
AGREEMENTS += ["确实", "就是就是", "+1", "同问", "顶", "我也是这么想的", "支持楼上"]

# Follow-ups after a fix, complaints about the weather, lost pets and found
# things, and service adverts: everyday lines with problem words in them.
RESOLVED = ["处理完了", "已经好了", "修好了", "搞定了", "没事了", "恢复了", "来电了", "来水了", "通了"]
RESOLVED_TAILS = [" 谢谢", " 感谢物业", " 辛苦师傅", "", " 让大家操心了", " 效率挺高"]
WEATHER_MOANS = ["这天冷得手都伸不出来", "热得人都化了", "这雨下个没完", "风大得门都推不开"]
WEATHER_MOANS += ["今年冬天怎么这么冷", "闷得喘不过气", "晒得不敢出门"]
WEATHER_TAILS = ["", " 啥时候能暖和", " 什么时候才凉快", " 大家注意保暖", " 出门带伞", " 哈哈"]
PETS = ["橘猫", "小泰迪", "柯基", "白色的小狗", "鹦鹉", "小乌龟"]
FOUND = ["一串钥匙", "一个钱包", "一张公交卡", "一把伞", "一只手套", "一副眼镜", "一个水杯"]
LEFT_AT = ["门卫了", "物业了", "快递柜上了"]
SHOP_SPOTS = ["门口", "附近", "北门外", "隔壁街"]
SHOPS = ["面馆", "水果店", "奶茶店", "包子铺", "理发店", "超市", "烘焙店", "药店"]
SHOP_COMMENTS = [" 味道不错", " 挺实惠", " 老板人很好", " 开业打八折", " 排队的人好多", " 推荐一下"]
RENTALS = ["车位", "储藏室", "次卧", "一楼门面", "两居室", "地下室一间"]
RENTAL_PRICES = ["一个月300", "月租500", "每月1200", "年付优惠", "价格面议"]
RENTAL_FEATURES = [" 离电梯近", " 采光好", " 随时看房", " 可短租", " 拎包入住", " 有意私聊"]

# Places without building numbers: numbered places in chatter would teach
# the model that "3栋门口" itself is small talk.
SPOTS = ["南门", "小花园", "车棚", "草坪上", "快递柜旁边", "儿童乐园", "电梯里", "篮球场边"]
SERVICES = ["上门保洁", "家电清洗", "开锁换锁", "管道疏通", "搬家拉货", "家教辅导", "手机贴膜"]
SERVICE_TAILS = [" 价格优惠", " 随叫随到", " 二十四小时服务", " 有需要的私聊", " 老客户打八折"]

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
        lambda: "明天几点" + rng.choice(ACTIVITIES) + rng.choice(["啊", "呢", "", "?"]),
        lambda: rng.choice(TIMES) + rng.choice(WEATHER) + rng.choice(PARTICLES),
        lambda: rng.choice(WEATHER) + rng.choice(PARTICLES),
        lambda: rng.choice(REPLIES) + rng.choice(PARTICLES),
        lambda: rng.choice(REPLIES) + " " + rng.choice(REPLIES),
        lambda: rng.choice(FEELINGS) + rng.choice(PARTICLES),
        lambda: rng.choice(PEOPLE) + rng.choice(FEELINGS),
        lambda: "要不要一起" + rng.choice(ACTIVITIES),
        lambda: "不想" + rng.choice(ACTIVITIES) + rng.choice(PARTICLES),
        lambda: rng.choice(["你住哪个门洞", "你住几单元", "你家几楼", "你是哪栋的"]),
        lambda: (
            f"【{rng.choice(NOTICE_TITLES)}】{rng.choice(NOTICE_REASONS)},{rng.choice(NOTICE_TIMES)}"
            f"{rng.choice(NOTICE_ACTIONS)},{rng.choice(NOTICE_REQUESTS)}"
        ),
        lambda: f"{rng.choice(NOTICE_TIMES)}{rng.choice(NOTICE_ACTIONS)} {rng.choice(NOTICE_REQUESTS)}",
        lambda: (
            f"{rng.choice(THANKS)}{rng.choice(HELPERS)} {rng.choice(DEEDS)}{rng.choice(PRAISES)}"
        ),
        lambda: f"{rng.choice(HELPERS)}{rng.choice(DEEDS)}{rng.choice(PRAISES)}",
        lambda: f"{rng.choice(TIMES)}{rng.choice(EVENTS)}{rng.choice(INVITATIONS)}",
        lambda: (
            f"{rng.choice(ADVICE_OPENERS)}{rng.choice(ADVICE_STEPS)}"
            f"{rng.choice(['!', ' ', ','])}{rng.choice(ADVICE_STEPS)}"
        ),
        lambda: (
            f"{rng.choice(['大家好', '各位邻居好', '各位业主好', ''])},我是{rng.choice(INTRO_WHO)}"
            f"{rng.choice(INTRO_NAMES)},{rng.choice(INTRO_TAILS)}"
        ),
        lambda: rng.choice(AGREEMENTS) + rng.choice(PARTICLES),
        lambda: rng.choice(RESOLVED) + rng.choice(RESOLVED_TAILS),
        lambda: rng.choice(WEATHER_MOANS) + rng.choice(WEATHER_TAILS),
        lambda: f"谁家的{rng.choice(PETS)}跑出来了 在{rng.choice(SPOTS)}",
        lambda: f"在{rng.choice(SPOTS)}捡到{rng.choice(FOUND)} 放{rng.choice(LEFT_AT)}",
        lambda: rng.choice(SERVICES) + rng.choice(SERVICE_TAILS),
        lambda: f"{rng.choice(SHOP_SPOTS)}新开了家{rng.choice(SHOPS)}{rng.choice(SHOP_COMMENTS)}",
        lambda: (
            f"{rng.choice(RENTALS)}出租 {rng.choice(RENTAL_PRICES)}{rng.choice(RENTAL_FEATURES)}"
        ),
        lambda: f"{rng.choice(ADVERTS)}{rng.choice(GOODS)}{rng.choice(ADVERT_TAILS)}",
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
