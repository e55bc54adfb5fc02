"""Masking of personal details in group messages."""

from __future__ import annotations

import pytest

from handlers.masking import mask_contacts, mask_for_group, mask_name, mask_phone
from tests.helpers import later
from tests.workflow.desk import open_desk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3栋2单元1002室漏水", "3栋2单元****漏水"),
        ("5号楼1201天天吵", "5号楼****天天吵"),
        ("3-2-1002 楼上漏水", "3-2-**** 楼上漏水"),
        ("电话13812341234", "电话138****1234"),
        ("电话 138-1234-1234", "电话 138****1234"),
        ("电话１３８１２３４５６７８", "电话１３８****５６７８"),
        ("电话１３８－１２３４－５６７８", "电话１３８****５６７８"),
        ("电话+8613812345678", "电话+86138****5678"),
        ("电话008613812345678", "电话0086138****5678"),
        ("电话8613812345678", "电话86138****5678"),
        ("编号9913812345678", "编号9913812345678"),
        ("身份证430102199001011234", "身份证******************"),
        ("身份证４３０１０２１９９００１０１１２３４", "身份证******************"),
        ("老身份证110101900307123", "老身份证***************"),
        ("订单号 123456789012345", "订单号 123456789012345"),
        ("楼上1202每天往下滴水", "楼上****每天往下滴水"),
        ("1502的能不能注意点", "****的能不能注意点"),
        ("11栋501被改成群租房", "11栋****被改成群租房"),
        ("物业费从1.8涨到2.5", "物业费从1.8涨到2.5"),
        ("2026年3月", "2026年3月"),
        ("东门路灯不亮", "东门路灯不亮"),
    ],
)
def test_mask_for_group(text, expected):
    assert mask_for_group(text) == expected


def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"


def test_mask_name_keeps_first_character():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B座1203卫生间漏水到楼下了", "B座****卫生间漏水到楼下了"),
        ("住在1203", "住在****"),
        ("门牌号2-301", "门牌号2-****"),
        ("顶楼1801、1802都渗水了", "顶楼****、****都渗水了"),
        ("3号楼2单元1002房间", "3号楼2单元****"),
        ("等了300分钟", "等了300分钟"),
        ("交了1200元", "交了1200元"),
        ("2026-03-02停水", "2026-03-02停水"),
        ("12:30停电", "12:30停电"),
        ("共有120户", "共有120户"),
    ],
)
def test_bare_flat_numbers_masked(text, expected):
    assert mask_for_group(text) == expected


def test_case_numbers_kept():
    assert mask_for_group("工单 0001（设施报修）3栋2单元1002室漏水") == "工单 0001（设施报修）3栋2单元****漏水"
    assert mask_for_group("请发送“评价 1203 不满意”，住在1203") == "请发送“评价 1203 不满意”，住在****"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("已转交区路政热线，编号A123", "已转交区路政热线，编号A123"),
        ("已转交区供水热线，报修编号 A123", "已转交区供水热线，报修编号 A123"),
        ("12345热线单号：2026031500123", "12345热线单号：2026031500123"),
        ("工单号为 HZ-2026-0012", "工单号为 HZ-2026-0012"),
        ("回执号是1203", "回执号是1203"),
        ("受理号 5521，流水号 0086", "受理号 5521，流水号 0086"),
    ],
)
def test_office_reference_numbers_kept(text, expected):
    assert mask_for_group(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("编号13812341234", "编号138****1234"),
        ("回执号 A13812341234", "回执号 A138****1234"),
        ("受理号430102199001011234", "受理号******************"),
        ("编号3-2-1002", "编号3-2-****"),
        ("房屋编号1002", "房屋编号****"),
        ("门牌编号 1203", "门牌编号 ****"),
        ("3栋2单元1002室，编号A123，电话13812341234", "3栋2单元****，编号A123，电话138****1234"),
        ("编号A1 住在1203", "编号A1 住在****"),
    ],
)
def test_personal_numbers_masked_near_reference(text, expected):
    assert mask_for_group(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("车位 0123 被占了", "车位 0123 被占了"),
        ("车位编号B1-203", "车位编号B1-203"),
        ("B2-045号车位漏水", "B2-045号车位漏水"),
        ("0123号车位", "0123号车位"),
        ("我的车位1203被1502的人占了", "我的车位1203被****的人占了"),
        ("车位被1203的人占了", "车位被****的人占了"),
    ],
)
def test_parking_spaces_kept(text, expected):
    assert mask_for_group(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "停车费乱收费，一个月收300",
        "物业费一个月350，太贵了",
        "我上个月交了1200",
        "物业费涨到1250了",
        "罚款500",
        "9栋120户都停水了",
        "3栋300平的房子",
        "小区共有860户",
        "一个月300的停车费",
        "300家商户",
    ],
)
def test_amounts_and_counts_kept(text):
    assert mask_for_group(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1102天花板漏水", "****天花板漏水"),
        ("楼上1202天天吵", "楼上****天天吵"),
        ("9栋1202户漏水", "9栋****户漏水"),
        ("1502家天天吵", "****家天天吵"),
        ("3栋300室", "3栋****"),
    ],
)
def test_rooms_before_other_words_masked(text, expected):
    assert mask_for_group(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "明天0800-1200停水",
        "3栋0800-1200停水",
        "周六08:00-12:00停电",
        "施工时间0800至1200",
        "0830～1130楼道刷漆",
        "早上8点到12点停水",
        "8:00-1200装修",
        "22:00-0600不许施工",
        "下午1430停水",
    ],
)
def test_clock_times_kept(text):
    assert mask_for_group(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1202室0800-1200装修", "****0800-1200装修"),
        ("12-1202漏水", "12-****漏水"),
        ("晚上1202又在吵", "晚上****又在吵"),
    ],
)
def test_rooms_beside_clock_times_masked(text, expected):
    assert mask_for_group(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3栋2单元1002室漏水，电话13912345678", "3栋2单元1002室漏水，电话139****5678"),
        ("身份证110101199003071234", "身份证******************"),
        ("电话 139-1234-5678 找我", "电话 139****5678 找我"),
        ("3栋2单元1002室 电话１３９１２３４５６７８", "3栋2单元1002室 电话１３９****５６７８"),
        ("工单 0034 楼上1202", "工单 0034 楼上1202"),
    ],
)
def test_mask_contacts_keeps_rooms(text, expected):
    assert mask_contacts(text) == expected


CONTACT_REPORT = "3栋2单元1002室厨房天花板漏水了，身份证110101199003071234，电话13912345678"


async def test_new_case_notice_masks_contacts(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(CONTACT_REPORT, sender="r1")

        [notice] = [text for text in desk.last_to_user("wang") if text.startswith("【新工单】")]
        assert "内容：3栋2单元1002室厨房天花板漏水了，身份证******************，电话139****5678" in notice
        assert "110101199003071234" not in notice
        assert "13912345678" not in notice


async def test_triage_notice_masks_contacts(db_url):
    async with open_desk(db_url, triage_threshold=1.0) as desk:
        await desk.say(CONTACT_REPORT, sender="r1")

        [notice] = [text for text in desk.last_to_user("officer") if text.startswith("【待分类】")]
        assert "1002室" in notice
        assert "110101199003071234" not in notice
        assert "13912345678" not in notice
        assert "139****5678" in notice


async def test_detail_notice_masks_contacts(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")

        await desk.say("补充 0001 有事打我电话13912345678", sender="r1", at=later(20))

        [notice] = [text for text in desk.last_to_user("wang") if text.startswith("【补充信息】")]
        assert "说明：有事打我电话139****5678" in notice


async def test_reporter_query_keeps_own_phone(db_url):
    async with open_desk(db_url) as desk:
        await desk.say(CONTACT_REPORT, sender="r1")

        answer = await desk.say("查询 0001", sender="r1", chat_id="r1-private", private=True)

        assert "13912345678" in answer[0]


async def test_parking_space_shown_as_place(db_url):
    async with open_desk(db_url) as desk:
        replies = await desk.say("车位 0123 被占了", sender="r1")

        [notice] = [text for text in desk.last_to_user("wang") if text.startswith("【新工单】")]
        assert "「车位 0123 被占了」" in replies[0]
        assert "****" not in replies[0]
        assert "位置：0123号车位" in notice
        assert (await desk.case(1)).place == "0123号车位"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("天哪 快打119", "天哪 快打119"),
        ("已经叫了120", "已经叫了120"),
        ("报110了没有", "报110了没有"),
        ("119来了", "119来了"),
        ("消防车119都到了", "消防车119都到了"),
        ("我住119，电梯坏了", "我住****，电梯坏了"),
        ("3栋119室漏水", "3栋****漏水"),
        ("楼上110天天吵", "楼上****天天吵"),
    ],
)
def test_emergency_numbers_kept_when_called(text, expected):
    assert mask_for_group(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("物业电话0571-88123456", "物业电话0571****3456"),
        ("打010-12345678问问", "打010****5678问问"),
        ("0571 88123456找王经理", "0571****3456找王经理"),
        ("电话：(0571)88123456", "电话：0571****3456"),
        ("电话０５７１－８８１２３４５６", "电话０５７１****３４５６"),
        ("回执号：0571-88123456", "回执号：0571****3456"),
        ("3栋2单元1002室漏水", "3栋2单元****漏水"),
        ("2026-03-15停水", "2026-03-15停水"),
        ("工单 0034 已受理", "工单 0034 已受理"),
    ],
)
def test_landline_numbers_masked(text, expected):
    assert mask_for_group(text) == expected


async def test_group_update_masks_landline(db_url):
    async with open_desk(db_url) as desk:
        await desk.say("3栋2单元1002室厨房天花板漏水了", sender="r1")
        await desk.say("受理 0001", sender="wang", at=later(5))

        await desk.say("办结 0001 已报供水公司，电话0571-88123456", sender="wang", at=later(30))

        group = "\n".join(desk.last_to_group("group-1"))
        assert "0571****3456" in group
        assert "88123456" not in group
