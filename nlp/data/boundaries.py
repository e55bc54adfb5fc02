"""Phrases for short lines and letters that sit on a border between two categories.

Marks and slots as in nlp.data.phrasebank. nlp.data.generate renders this
module with a random generator of its own, after every other row, so that
adding a line here leaves every earlier training row as it was.

- Pet mess left on lawns and paths is sanitation, against chatter about pets.
- Lamps out at night are repair, however the dark is described.
- Requests to the group's owner (kick a spammer, mute a member) and a
  bare "在吗" before the question are chat.
  Flyers stuck in the stairwell stay sanitation.
- Stairwells and landings used as storerooms are a safety hazard. A closing
  worry ("着了火往哪跑") is not a fire now.
- A water heater or a pipe in the flat that bursts is repair, and urgent
  while the water is still coming out.
- A resident who writes that the leak has reached their own flat too
  reports a problem, unlike a bare "我家也是".
- Building work upstairs that is too loud is noise.
- Letters: common land or rooms sold or let by the developer or the firm
  (fund), roofs taken over for vegetable plots (neighbour), and who picks
  the firm or when the new one moves in (committee).
"""

from __future__ import annotations

SANITATION = """
c|遛狗的把狗狗拉的便便留在草地上就走了 踩了一脚
c|{p}旁边那片草地全是狗粪 主人拍拍屁股就走
c|有人遛狗不带袋子 狗在花坛边拉完就不管了
c|儿童乐园沙坑里又发现狗屎了 娃差点抓上
c|每天早上步道上都有新鲜的狗便 谁家的狗能不能捡一下
c|楼下绿化带成了狗厕所 臭烘烘的
c|狗在单元门口撒尿拉屎 主人牵着绳看着也不收拾
c|宠物粪便没人清 {b}后面那条小路没法走了
f|部分业主遛狗时任由宠物在草坪和人行步道上排便，既不清理也不制止，小区里异味明显，请物业加强巡查和清扫。
t|{c}宠物粪便遍布草坪无人清理
"""

REPAIR = """
cu|热水器接口崩开了 卫生间到处都是水 地上都能养鱼了 快来人关总阀
cu|洗衣机进水管崩了 水喷得满屋子都是 阀门拧不动
cu|卫生间角阀爆了 水柱喷得到处都是 {b}的物业师傅快来
cu|厨房水龙头连着的软管炸开了 水溅得到处都是 关不上
c|热水器坏了好几天 一直滴滴答答漏 洗澡都成问题
c|单元门口的灯坏了 晚上回来乌漆嘛黑 钥匙孔都找不到
c|{p}的路灯天天不亮 夜里那段路黑得吓人
c|路灯修了没两天又不亮了 晚上一片黑
cu|楼上热水器内胆裂了 热水顺着墙往下流 快找人关水
c|热水器底下的管子崩开了 水洒了一地 已经关了总阀 物业来修一下
c|热水器炸了个口子 卫生间全湿了 谁有物业维修电话
c|{p}那排路灯全灭了 晚上走过去一片漆黑
c|小区主路的灯坏了快一周了 天一黑什么都看不见
c|{b}后面的庭院灯不亮 晚上遛弯只能开手电
c|路灯又坏了 夜里伸手不见五指 老人出门容易摔
c|花园小道的草坪灯一盏都不亮 黑咕隆咚的
c|东边那几根灯杆晚上不亮 骑车的差点撞树上
t|{c}小区路灯损坏夜间漆黑一片
f|小区北侧道路的路灯已经坏了半个多月，天黑以后整条路漆黑，居民夜里出行很不安全，请物业尽快维修。
cu|家里热水器突然爆裂 水一直往外冲 总阀在哪 快来人
cu|卫生间的热水器炸开了 地上全是热水 关不住
cu|厨房水管接头崩了 水呲得满墙都是 物业快派人来关阀
cu|{r}阳台的热水器管子爆了 水哗哗往下淌 电闸还开着
c|热水器漏水好几天了 底下一直滴 物业能派个师傅看看吗
c|我家次卧顶上也湿了一块 水在往外渗
c|我们家天花板也开始往下滴了 跟楼上那家一样
c|我这边墙也渗了 一摸全是湿的
c|我家卫生间顶上也开始滴水了 是不是同一根管子
c|同一单元 我家厨房也开始漏了 麻烦物业一起看看
c|昨天还好好的 今天我家窗台下面也渗水了
"""

CHAT = """
c|在吗
c|在不在
c|在吗 问个事儿
c|在吗在吗 有人回一下吗
c|家里wifi连不上了 谁会弄路由器 教教我
c|我家电视机顶盒灯一直闪 打不开 有懂的吗
c|手机充电口坏了 附近哪里能修
c|洗衣机显示故障码E3 有人遇到过吗
c|群主能不能把刷屏卖货的踢出去
c|管理员 又有人在群里发贷款广告 踢了吧
c|群里别发拼多多砍价了 群主管一下
c|这个天天发微商的能不能移出群聊
c|群主把那个发链接的禁言一下吧
c|求群主清理一下僵尸号 发的全是广告
c|又有人拉人进群卖保健品 群主看着办
c|刚进群的那个号一直发卖房广告 管理员处理一下
c|大家别点那个链接 是骗子 群主已经把他踢了
c|狗狗今天第一次自己在草地上玩 好开心
c|谁家的柯基这么胖 天天在{p}晒太阳
"""

SAFETY = """
c|二楼那户把楼梯间当储藏室 旧床垫纸箱码得满满的
c|走廊成了谁家的仓库 柜子箱子一大堆 消防通道都挤没了
c|{b}楼道被当成杂物间了 纸壳子摞到窗户那么高
c|楼道里当仓库堆东西的能不能搬走 万一着火全楼跑不掉
f|{b}有住户把公共楼道当成自家的储藏间，常年堆放纸箱和旧家具，楼梯只剩一人宽，住户担心发生火灾时无法疏散。
c|楼道被人当成自家仓库了 纸箱旧电器堆到半人高 着了火往哪跑
c|{b}楼梯拐角塞满了废纸板和泡沫箱 一点火星就着
c|有人把消防楼梯当储物间 堆满了旧家具 真起火了咋逃
c|我们这层走廊全是别人家的纸箱子 出事了谁负责
c|楼道里码了一排快递箱和旧沙发 逃生的路都窄了
c|{b}{u}楼梯间堆满杂物 还有电动车 一着起来整栋楼遭殃
f|部分住户长期把楼道当作自家仓库，纸箱、旧家具和泡沫板堆满楼梯间，一旦起火，浓烟会封死整栋楼的逃生通道，请物业和消防部门督促清理。
t|{c}住户占用楼梯间堆放纸箱存在火灾隐患
"""

NOISE = """
c|楼上装修天天砸 吵死了 中午都不停
c|楼上那家装修好几个月了 每天电钻声吵得脑仁疼
c|对门在装修 切割机响个不停 太吵了
c|楼上装修电钻响一整天了 太吵了
c|隔壁装修从早上七点就开始砸墙 吵得头疼
c|楼上又在装修 切瓷砖的声音刺耳得很
c|周末一大早楼上就开始敲敲打打 还让不让人睡
c|上面那户装修电锤打了一上午 孩子网课都听不见
t|{c}住户装修噪音严重扰民
"""

FUND = """
f|业委会几名委员把小区电梯广告和停车场的收入转进了个人账户，几年的公共收益去向不明，业主要求审计。
f|上届业委会任期已满却拒不交出公共账户，账上的几十万元公共资金被他们随意支出。
t|{c}业委会委员侵吞小区公共收益
t|{c}业委会把公共资金转入个人账户
f|开发商把小区规划里属于全体业主的一块空地卖给了外面的公司建厂房，卖地的钱业主一分也没见到。
f|物业私自把小区会所整体出租给一家培训机构，合同和租金从来没有向业主公布。
f|小区的架空层和公共用房被物业一间间租出去，这些本应归全体业主的收益去了哪里，请求查清。
t|{c}开发商擅自出售小区公共用地
t|{c}物业出租公共用房收益不公开
"""

NEIGHBOR = """
f|顶楼的几户人家把整个楼顶平台分成了自家的菜园，铺土种菜，浇的水顺着楼板往下渗，其他住户上去晾衣服也被赶下来。
f|楼顶公共平台被两户邻居围起来养鸡种菜，臭味飘进楼道，我们和他们沟通多次都被骂回来。
t|{c}顶楼住户霸占楼顶平台种菜
c|顶层那两家在楼顶堆土种菜 我们上去收被子都被说
"""

COMMITTEE = """
t|{c}业主大会选聘的新物业迟迟无法进场
t|{c}业主能否自行选择物业公司
f|我们小区已经按程序选聘了新的物业公司，可是旧物业赖着不走，新物业到现在都进不了场，请问业主大会的决定什么时候才能执行。
f|街道直接给我们小区指定了一家物业公司，业主从来没有投过票，请问业主有没有权利自己选物业。
"""

OTHER = """
c|放门口的快递又被人拿走了 这个月第二回 是不是有贼
c|停在车棚的自行车被偷了 锁都剪断了
c|{b}好几家门口的鞋子被人顺走了 物业查查监控吧
"""

FEES = """
t|{c}物业代收生活垃圾处理费标准不一
f|同样是住宅，我们小区每户每年被收三百多元垃圾处理费，隔壁小区只收一百多，收费依据从来没有公示。
f|物业在物业费之外又按户加收垃圾清运费，业主问收费文件，物业拿不出来。
c|垃圾清运费一户一年两百多 这是按什么标准收的
"""

PHRASES: dict[str, str] = {
    "sanitation": SANITATION,
    "repair": REPAIR,
    "chat": CHAT,
    "safety": SAFETY,
    "noise": NOISE,
    "fund": FUND,
    "neighbor": NEIGHBOR,
    "committee": COMMITTEE,
    "other": OTHER,
    "fees": FEES,
}
