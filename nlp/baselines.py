"""Two baselines the classifier is measured against, trained on the same examples.

- KeywordBaseline: a hand-made keyword lexicon per category, an urgent
  keyword list and an outside-cause keyword list; the category with the most
  keyword hits wins and no hit means chit-chat.
- TfidfBaseline: TF-IDF over character 1-3-grams with logistic regression
  heads for category, urgency and outside cause (scikit-learn, a development
  dependency, imported only here).
"""

from __future__ import annotations

from nlp.dataset import LabelledExample
from nlp.labels import CHAT, EXTERNAL_SENSITIVE, default_route
from nlp.metrics import Prediction
from nlp.normalize import normalize

KEYWORDS: dict[str, tuple[str, ...]] = {
    "repair": ("坏了", "维修", "报修", "漏水", "渗水", "电梯", "路灯", "门禁", "故障", "不亮", "堵了"),
    "sanitation": ("垃圾", "卫生", "臭", "蟑螂", "老鼠", "蚊子", "油烟", "绿化", "清扫", "脏"),
    "safety": ("消防", "安全隐患", "着火", "火灾", "充电", "高空抛物", "煤气", "燃气泄漏", "危险"),
    "parking": ("停车", "车位", "挪车", "乱停", "地锁", "挡路", "违停"),
    "noise": ("噪音", "吵", "扰民", "广场舞", "装修声", "施工", "打桩", "音响"),
    "neighbor": ("邻居", "楼上", "对门", "隔壁", "遛狗", "拴绳"),
    "property_service": ("物业态度", "保安", "管家", "物业不管", "不作为", "服务差"),
    "fees": ("物业费", "收费", "停车费", "乱收费", "涨价", "退费", "费用"),
    "fund": ("维修基金", "维修资金", "公共收益", "广告费", "公共收入"),
    "committee": ("业委会", "业主委员会", "业主大会", "选聘", "换届", "选举"),
    "illegal_use": ("违建", "违章", "搭建", "群租", "出租屋", "改商", "开店", "加盖"),
    "utilities": ("停水", "停电", "水压", "水质", "供暖", "暖气", "天然气", "信号"),
    "policy": ("政策", "补贴", "怎么办理", "办证", "改造", "棚改", "拆迁", "户口", "房产证"),
    "care": ("老人", "残疾", "困难", "帮扶", "救助", "独居", "低保"),
    "suggestion": ("建议", "希望", "能不能", "可否", "增设", "公交"),
    "other": ("广告", "传销", "诈骗", "规划", "开发商"),
}
URGENT_KEYWORDS = ("着火", "起火", "冒烟", "煤气味", "燃气味", "爆了", "困", "晕倒", "救命", "砸")
EXTERNAL_KEYWORDS = ("工地", "施工", "饭店", "餐饮", "KTV", "ktv", "马路", "道路", "垃圾站", "开发商")


def _route(category: str, external: bool) -> str:
    return "none" if category == CHAT else default_route(category, external=external)


class KeywordBaseline:
    """Keyword counting: no training beyond the fixed lexicon."""

    def predict(self, text: str) -> Prediction:
        """Predict the scored fields of one message."""
        text = normalize(text)
        hits = {c: sum(word in text for word in words) for c, words in KEYWORDS.items()}
        best = max(hits, key=lambda category: hits[category])
        category = best if hits[best] else CHAT
        urgent = any(word in text for word in URGENT_KEYWORDS)
        external = any(word in text for word in EXTERNAL_KEYWORDS)
        return Prediction(category, _route(category, external), urgent, category != CHAT)


class TfidfBaseline:
    """Character n-gram TF-IDF with logistic regression, fitted on labelled examples."""

    def __init__(self, examples: list[LabelledExample]) -> None:
        """Fit the vectoriser and the three heads.

        Args:
            examples: The training examples (the project's own, as for the model).
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts = [normalize(example.text) for example in examples]
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        matrix = self._vectorizer.fit_transform(texts)
        self._category = LogisticRegression(C=10.0, max_iter=3000)
        self._category.fit(matrix, [example.category for example in examples])
        self._urgent = LogisticRegression(C=10.0, max_iter=3000)
        self._urgent.fit(matrix, [example.urgent for example in examples])
        sensitive = [i for i, e in enumerate(examples) if e.category in EXTERNAL_SENSITIVE]
        self._external = LogisticRegression(C=10.0, max_iter=3000)
        self._external.fit(matrix[sensitive], [examples[i].route == "party" for i in sensitive])

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        """Predict the scored fields of many messages at once."""
        matrix = self._vectorizer.transform([normalize(text) for text in texts])
        categories = self._category.predict(matrix)
        urgent = self._urgent.predict(matrix)
        external = self._external.predict(matrix)
        return [
            Prediction(str(c), _route(str(c), bool(x)), bool(u), str(c) != CHAT)
            for c, u, x in zip(categories, urgent, external, strict=True)
        ]
