from __future__ import annotations

import pytest

from nlp.findings import Location
from nlp.locate import chinese_to_int, extract_location, is_bare_address, split_at_locations
from nlp.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3栋2单元1002室漏水", Location(building="3", unit="2", room="1002")),
        ("3号楼电梯坏了", Location(building="3")),
        ("三栋二单元楼道灯不亮", Location(building="3", unit="2", place="楼道")),
        ("十二栋门口有垃圾", Location(building="12")),
        ("5-2-301厨房煤气味", Location(building="5", unit="2", room="301")),
        ("１２栋３单元", Location(building="12", unit="3")),
        ("1702阳台在冒烟", Location(room="1702")),
        ("1102天花板在滴水", Location(room="1102")),
        ("东门口有人晕倒了", Location(place="东门")),
        ("地下车库进水了", Location(place="地下车库")),
        ("北门的路灯坏了", Location(place="北门")),
        ("小区门口乱停车", Location(place="小区门口")),
        ("9栋15楼冒黑烟 快打119", Location(building="9")),
        ("物业费从1.8涨到2.5", Location()),
        ("2019年以来一直漏水", Location()),
        ("A座大堂的灯坏了", Location(building="A")),
        ("B2层车位被占", Location(place="B2")),
        ("12#楼漏水", Location(building="12")),
        ("三号院", Location(building="3")),
        ("5幢", Location(building="5")),
        ("302房间漏水", Location(room="302")),
        ("1203房的空调滴水", Location(room="1203")),
        ("2单元门禁坏了", Location(unit="2")),
        ("5栋 302", Location(building="5", room="302")),
        ("3-2-1002-5", Location()),
        ("物业电话12345", Location()),
        ("电梯坏了", Location()),
    ],
)
def test_extract_location_table(text: str, expected: Location) -> None:
    assert extract_location(normalize(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("地下车库b2漏水", Location(place="地下车库B2")),
        ("地下车库B2有积水", Location(place="地下车库B2")),
        ("地库负二层漏水", Location(place="地下车库B2")),
        ("地下车库负二层的灯坏了", Location(place="地下车库B2")),
        ("B1层车库漏水", Location(place="地下车库B1")),
        ("负一楼车库有人飞线充电", Location(place="地下车库B1")),
        ("车库的负一楼没灯", Location(place="地下车库B1")),
        ("地下停车场B3进水了", Location(place="地下车库B3")),
        ("8栋车库B1漏水", Location(building="8", place="地下车库B1")),
        ("地下车库漏水", Location(place="地下车库")),
        ("负二层漏水", Location(place="负二层")),
        ("地下车库B1-023车位被人占了", Location(place="B1-023号车位")),
    ],
)
def test_garage_level_kept_in_place(text: str, expected: Location) -> None:
    assert extract_location(normalize(text)) == expected


@pytest.mark.parametrize(
    ("numeral", "value"), [("三", 3), ("十", 10), ("十二", 12), ("二十三", 23), ("一百零五", 105)]
)
def test_chinese_to_int(numeral: str, value: int) -> None:
    assert chinese_to_int(numeral) == value


def test_chinese_to_int_rejects_other_characters() -> None:
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        chinese_to_int("三楼")


@pytest.mark.parametrize(
    "text",
    [
        "是3栋2单元的",
        "5号楼",
        "在5号楼",
        "8#楼",
        "在3-2-1201",
        "7幢",
        "8栋2单元，谢谢",
        "2栋1单元，谢谢你啊姑娘",
        "12栋的，麻烦你们了",
        "10栋楼下",
        "3栋门口",
        "10栋旁边",
    ],
)
def test_bare_address_lines(text: str) -> None:
    assert is_bare_address(normalize(text))


@pytest.mark.parametrize(
    "text",
    ["3栋楼道灯也不亮了", "3栋的电梯", "你好", "我家也是，3栋的", "2单元", "5栋你们管不管", "谢谢你啊", "6栋楼顶水箱"],
)
def test_lines_with_more_than_an_address(text: str) -> None:
    assert not is_bare_address(normalize(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a302漏水", Location()),
        ("1.302漏水", Location()),
        ("-302漏水", Location()),
        ("时间12:302", Location()),
        ("13025", Location()),
        (".302室", Location()),
        ("1.5-2-301", Location()),
        ("302漏水", Location(room="302")),
        ("302,303", Location(room="302")),
        ("x5-2-301", Location(building="5", unit="2", room="301")),
        ("15-2-301", Location(building="15", unit="2", room="301")),
    ],
)
def test_character_before_number(text: str, expected: Location) -> None:
    assert extract_location(text) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Location(building="8", place="地下车库"), Location(place="车库")),
        (Location(place="地库"), Location(place="地下停车场")),
        (Location(place="天台"), Location(place="楼顶")),
        (Location(place="地下车库B2"), Location(place="B2")),
        (Location(place="小区门口"), Location(place="大门口")),
    ],
)
def test_names_of_one_spot_overlap(first: Location, second: Location) -> None:
    assert first.overlaps(second)
    assert second.overlaps(first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Location(place="东门"), Location(place="西门")),
        (Location(place="地下车库"), Location(place="车棚")),
        (Location(place="负一层"), Location(place="负二层")),
        (Location(place="地下车库B1"), Location(place="地下车库B2")),
        (Location(place="楼下"), Location(place="楼下")),
        (Location(building="3", place="车库"), Location(building="5", place="地下车库")),
    ],
)
def test_other_spots_do_not_overlap(first: Location, second: Location) -> None:
    assert not first.overlaps(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Location(place="东门"), Location(place="西门")),
        (Location(place="南门"), Location(place="地下车库")),
        (Location(place="小区大门"), Location(place="北门")),
        (Location(place="负一楼"), Location(place="负二层")),
        (Location(place="地下车库B1"), Location(place="地下车库B2")),
        (Location(place="地下车库B2"), Location(place="负三层")),
        (Location(building="3", place="东门"), Location(building="3", place="花园")),
        (Location(building="3"), Location(building="5")),
        (Location(room="1102"), Location(room="1202")),
    ],
)
def test_other_spots_conflict(first: Location, second: Location) -> None:
    assert first.conflicts(second)
    assert second.conflicts(first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Location(place="东门"), Location(place="东大门")),
        (Location(place="地下车库"), Location(place="车库")),
        (Location(place="负一层"), Location(place="地下车库")),
        (Location(place="B1"), Location(place="负一楼")),
        (Location(place="地下车库B2"), Location(place="车库")),
        (Location(place="地下车库B3"), Location(place="地下车库")),
        (Location(place="地下车库B2"), Location(place="负二层")),
        (Location(place="楼道"), Location(place="楼梯间")),
        (Location(place="楼下"), Location(place="门口")),
        (Location(building="3"), Location(place="东门")),
        (Location(), Location(place="东门")),
    ],
)
def test_same_or_unknown_spots_do_not_conflict(first: Location, second: Location) -> None:
    assert not first.conflicts(second)
    assert not second.conflicts(first)


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("3栋2单元楼道灯不亮了", ["灯不亮了"]),
        ("南门的监控坏了", ["的监控坏了"]),
        ("8栋楼上装修,电钻声从早响到晚", ["装修,电钻声从早响到晚"]),
        ("1202卫生间往楼下渗水", ["卫生间往", "渗水"]),
        ("5-2-301厨房煤气味", ["厨房煤气味"]),
        ("B1车位被占", ["车位被占"]),
        ("物业费涨了", ["物业费涨了"]),
    ],
)
def test_split_at_locations_keeps_what_is_wrong(text: str, pieces: list[str]) -> None:
    assert split_at_locations(normalize(text)) == pieces


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3栋1002卫生间漏水", Location(building="3", room="1002")),
        ("12号楼2单元1501家里停水了", Location(building="12", unit="2", room="1501")),
        ("5栋 1302 的热水器漏水", Location(building="5", room="1302")),
        ("A座1203门口堆满了纸箱", Location(building="A", room="1203")),
        ("楼上1202天天半夜跺脚", Location(room="1202")),
        ("楼上1202每天往下滴水", Location(room="1202")),
        ("1502的能不能别在楼道抽烟", Location(room="1502", place="楼道")),
        ("我家是802，卫生间顶上在渗水", Location(room="802")),
        ("住在1103，窗户关不上", Location(room="1103")),
        ("住15楼1502，电梯又坏了", Location(room="1502")),
        ("隔壁1704装修一直没停", Location(room="1704")),
        ("水从楼上漏到602了", Location(room="602")),
        ("302户的狗天天叫", Location(room="302")),
        ("1906号门口的快递没人拿", Location(room="1906")),
        ("门牌号1906，电梯按钮坏了", Location(room="1906")),
        ("1201号房空调外机滴水", Location(room="1201")),
        ("漏水了，1202也是", Location(room="1202")),
        ("3#1202漏水", Location(building="3", room="1202")),
        ("听说1103昨晚又进了小偷", Location(room="1103")),
        ("+1 1802也漏了", Location(room="1802")),
        ("1202楼上漏水", Location(room="1202")),
        ("101栋1202漏水", Location(building="101", room="1202")),
    ],
)
def test_rooms_written_as_numbers(text: str, expected: Location) -> None:
    assert extract_location(normalize(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("停车费乱收费，一个月收300", Location()),
        ("物业费一个月350，太贵了", Location()),
        ("300一个月的车位太贵", Location()),
        ("交了1200元押金", Location()),
        ("我上个月交了1200", Location()),
        ("房租一个月1500", Location()),
        ("1200房租还没退", Location()),
        ("物业费涨到1250了", Location()),
        ("罚款500", Location()),
        ("花了1105修好的", Location()),
        ("一年下来1800多", Location()),
        ("小区共有860户", Location()),
        ("我们这栋120户人家就一部电梯", Location()),
        ("9栋120户都停水了", Location(building="9")),
        ("面积118平，物业费一年2000", Location()),
        ("等了120分钟还没人来", Location()),
        ("这次停电影响了300多人", Location()),
        ("重开 0001 还是漏水", Location()),
        ("重開 0001 还是漏水", Location()),
        ("评价 1203 满意", Location()),
        ("查询 #1105", Location()),
        ("电话138 1234 5678", Location()),
        ("尾号1203的车挡住出口了", Location()),
        ("快递柜取件码1205", Location(place="快递柜")),
        ("100,200都不够", Location()),
        ("有110吗", Location()),
        ("我们小区在建设路218号", Location()),
        ("601小区门口堵车", Location(place="小区门口")),
        ("从2016以来一直漏水", Location()),
        ("2016入住到现在电梯就没好过", Location()),
        ("自2012交房起外墙一直渗水", Location()),
        ("101栋漏水", Location(building="101")),
        ("投票结果是315票", Location()),
    ],
)
def test_numbers_that_are_not_rooms(text: str, expected: Location) -> None:
    assert extract_location(normalize(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("车位 0123 被占了", Location(place="0123号车位")),
        ("我的车位1203被别人占了", Location(place="1203号车位")),
        ("0123号车位被占了", Location(place="0123号车位")),
        ("车位号：b2-045 被人堵了", Location(place="B2-045号车位")),
        ("车位编号是0123，天天被占", Location(place="0123号车位")),
        ("地下车库B1-023车位被人占了", Location(place="B1-023号车位")),
        ("5栋3号车位被电动车堵了", Location(building="5", place="3号车位")),
        ("车位被1203的人占了", Location(room="1203")),
        ("车位300一个月太贵了", Location()),
        ("车位费1200一年", Location()),
    ],
)
def test_parking_space_is_a_place(text: str, expected: Location) -> None:
    assert extract_location(normalize(text)) == expected


def test_parking_spaces_conflict() -> None:
    first = extract_location(normalize("车位 0123 被占了"))
    second = extract_location(normalize("0456号车位被占了"))

    assert first.conflicts(second)
    assert first.overlaps(extract_location(normalize("0123号车位又被占了")))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天0800-1200停水", Location()),
        ("3栋0800-1200停水", Location(building="3")),
        ("5栋0900-1215检修电梯", Location(building="5")),
        ("周六08:00-12:00停电", Location()),
        ("施工时间0800至1200", Location()),
        ("0830～1130楼道刷漆", Location(place="楼道")),
        ("早上8点到12点停水", Location()),
        ("8:00-1200装修", Location()),
        ("3栋22:00-0600有人施工", Location(building="3")),
        ("0800到1215检修水泵", Location()),
        ("5栋0800至1215停水", Location(building="5")),
        ("下午1430停水", Location()),
    ],
)
def test_clock_times_are_not_rooms(text: str, expected: Location) -> None:
    assert extract_location(normalize(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1202室漏水", Location(room="1202")),
        ("楼上1202又在装修", Location(room="1202")),
    ],
)
def test_rooms_beside_clock_times(text: str, expected: Location) -> None:
    assert extract_location(normalize(text)) == expected
