"""The classifier: one message in, one or more findings out."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from nlp.clauses import clause_spans, strip_connective, topic_spans
from nlp.cues import AGREEMENT_MARKS, BARE_QUESTION, COURTESY, ME_TOO, WORRY, Cues, find_cues, find_danger
from nlp.features import cue_features
from nlp.findings import Finding, Location, carry_places
from nlp.labels import CHAT, COMPOUND_WIDE, EXTERNAL_SENSITIVE
from nlp.locate import extract_location, is_bare_address
from nlp.model import LinearModel, Scores
from nlp.normalize import normalize
from nlp.segment import Segmenter
from nlp.subjects import is_bare_thing, names_new_subject, names_only_known_subjects, names_other_subject, subjects

logger = logging.getLogger("nlp")

MODEL_FILE = "model/classifier.json.gz"
# Highest confidence reported, so that a triage threshold of 1 catches all.
MAX_CONFIDENCE = 0.9999

# Default decision thresholds, used when the model file does not set them.
DEFAULT_THRESHOLDS = {
    # Above this, the learned urgent head alone marks a message urgent.
    "urgent": 0.7,
    "external": 0.5,
    # A part of a message after a connective such as 另外 becomes its own
    # finding only at this confidence or above.
    "clause": 0.5,
    # A line that lists short clauses without any connective ("灯坏了,垃圾没人清,
    # 有人飞线充电") gives one finding per problem only when every clause
    # scores an actionable category at this confidence or above.
    "list_clause": 0.8,
    # Below this chat probability a chat argmax is overruled and the best
    # actionable category is taken instead. "chat_complaint" replaces it
    # when the text uses complaint wording. Raising them dismisses fewer
    # complaints as chat but lets more chatter open cases. At 0 the model's
    # argmax decides, except that an urgent message is never chat.
    "chat": 0.0,
    "chat_complaint": 0.0,
}


_CHINESE = re.compile(r"[\u3400-\u9fff]")

# A list-like line ("灯坏了,垃圾没人清,有人飞线充电") has few, short clauses.
# Longer clauses tell a story, where one problem runs over several clauses.
MAX_LIST_CLAUSES = 5
MAX_LIST_CLAUSE_CHARS = 15
# Clauses that give the place of the problem before them ("就在我家窗户底下"),
# the firm's reply to it ("物业说管不了"), the damage it did ("天花板都泡坏了",
# "砸坏了一辆车"), its sound ("咚咚咚的"), a question to a party about it
# ("业委会知道吗") or what it keeps residents from doing ("窗户都不敢开",
# "晚上睡不着", "车都出不去").
# They raise nothing new, even when they name a thing.
_CONTINUES_LIST_CLAUSE = re.compile(
    r"^(?:就|也|都|还)?在|管不了|不管|没人管|不处理|不理|没反应|没办法|不归|都(?:被)?(?:泡|湿|淹|烂|发霉|霉|裂|掉)"
    r"|不敢|没法|睡不着|受不了|[开出进上下]不(?:了|去|来)"
    r"|^(?:还|都|差点|直接)?(?:把.{1,6})?砸(?:坏|伤|到|中|瘪|烂|碎|了)|^[咚哐砰嗡轰咣嘭噔]{2,}"
    r"|^(?:业委会|物业|社区|街道|居委会|管家|领导|有关部门)(?:的人)?(?:知道吗|知不知道|晓得吗|管不管|管吗|不管吗|在干嘛|干嘛去了|人呢|呢|怎么说)"
)
# A request ("能不能挪个地方", "麻烦尽快处理") wants the problem before it
# dealt with, unless it names a thing of its own ("能不能把楼道灯也修一下").
_REQUEST_CLAUSE = re.compile(
    r"^(?:物业|业委会|社区|你们|您|大家)?(?:能不能|能否|可不可以|可否|麻烦|请|希望|求求?|赶紧|尽快|快点|早点)"
)


class _Analysis(NamedTuple):
    """The cues and model scores of one piece of text.

    A named tuple rather than a frozen dataclass, which costs about a
    microsecond more to build on every message.
    """

    text: str
    cues: Cues
    scores: Scores


def _confidence(probability: float) -> float:
    """Round a probability to four places, never up to 1.

    A threshold of 1 must send every case to a person: a saturated softmax
    rounding to exactly 1.0 would otherwise slip past it.
    """
    return min(round(probability, 4), MAX_CONFIDENCE)


class Classifier:
    """Classifier of residents' messages into findings.

    Build one with Classifier.load(). It keeps the model weights and does no
    I/O after that, so one instance can serve the whole process.
    """

    def __init__(self, model: LinearModel, segmenter: Segmenter | None = None) -> None:
        """Wrap a loaded model; prefer Classifier.load().

        Args:
            model: The trained weights.
            segmenter: A jieba segmenter to hand out through `segmenter`;
                None builds one on first use. Classification never uses it.
        """
        self.model = model
        self._segmenter = segmenter
        self.thresholds = {**DEFAULT_THRESHOLDS, **model.thresholds}
        self._chat_index = model.categories.index(CHAT)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Classifier:
        """Load a trained model.

        Args:
            path: A model file written by `python -m nlp train`; None loads the
                model shipped in the package.

        Raises:
            FileNotFoundError: No file at path.
            ValueError: The file is not a model of a known format.
        """
        if path is None:
            with resources.as_file(resources.files("nlp").joinpath(MODEL_FILE)) as shipped:
                model = LinearModel.load(shipped)
        else:
            model = LinearModel.load(Path(path))
        logger.info("classifier loaded: %d features", len(model.features))
        return cls(model)

    @property
    def segmenter(self) -> Segmenter:
        """The jieba segmenter with the domain dictionary, built on first access.

        The model scores character n-grams and needs no word segmentation,
        so jieba's dictionary is only loaded for callers that want words.
        """
        if self._segmenter is None:
            self._segmenter = Segmenter()
        return self._segmenter

    def normalize(self, text: str) -> str:
        """Return the normalised text that the classifier scores."""
        return normalize(text)

    def classify(self, text: str) -> list[Finding]:
        """Classify one message.

        Args:
            text: The message as received.

        Returns:
            At least one finding. Chit-chat gives a single finding with
            category "chat". A message that raises a second problem after a
            connective (另外, 还有, 顺便...), of another category or at
            another named place, gives one finding per problem in text
            order, and so does a list of short clauses about different
            things (see _list_findings).
        """
        normalized = normalize(text)
        # A bare "+1" joins the case under discussion, and bare thanks close a
        # conversation, so neither raises anything new. Neither does a line
        # that only names a thing ("垃圾") and no fault of it, or a question
        # that names nothing ("怎么用").
        if not normalized or _is_filler_line(normalized):
            return [Finding(category=CHAT, confidence=1.0, text=text)]
        # A bare link (dropped by normalize), a Latin word ("help") or
        # punctuation carries no Chinese for the model to read, and its guess
        # at such text is noise.
        if not _CHINESE.search(normalized):
            return [Finding(category=CHAT, confidence=1.0, text=text)]

        whole = self._analyse(normalized)
        index = self._decide_category(whole)
        if index == self._chat_index:
            return [self._finding(whole, index, self._is_urgent(whole), normalized)]
        # A closing address ("…,是5栋1单元的") raises no problem, so the
        # problems are cut from the text before it and all get its address.
        body, address, spans = _without_trailing_address(normalized)
        parts = topic_spans(body)
        if len(parts) >= 2:
            findings = self._split_findings(body, index, parts)
        else:
            # Without an address cut, the body is the text already cut into clauses.
            findings = self._list_findings(body, spans if address is None else clause_spans(body))
        if findings is None:
            return [self._finding(whole, index, self._is_urgent(whole), normalized)]
        if address is not None:
            findings = _placed(findings, address)
        if self._is_urgent(whole) and not any(finding.urgent for finding in findings):
            findings[0] = replace(findings[0], urgent=True, danger=find_danger(whole.text))
        return findings

    def category_scores(self, text: str) -> dict[str, float]:
        """Return the probability of each category, chat included, for a text scored whole.

        Unlike classify, this neither splits the text into problems nor
        overrules the model, so it shows how far a text leans towards each
        category.

        Args:
            text: The message as received.
        """
        probabilities = self._analyse(normalize(text)).scores.category_probabilities
        return dict(zip(self.model.categories, map(float, probabilities), strict=True))

    def _list_findings(self, text: str, spans: list[tuple[int, int]]) -> list[Finding] | None:
        """Give one finding per problem of a line that lists short problems, or None for any other line.

        "9栋楼道灯坏了,垃圾没人清,车库有人飞线充电" names three problems for
        three teams without a connective. Every clause must be at most
        MAX_LIST_CLAUSE_CHARS long and score an actionable category at the
        "list_clause" threshold, so "烧烤店还在吵, 排风扇轰轰响, 油烟往家里灌"
        (three unsure clauses) stays one problem. A clause with complaint
        wording ("物业也不管"), a call for help or advice ("快叫120") or one
        that only names where ("就在我家窗户底下") comments on the clause
        before it. A clause of a category seen before starts a finding only
        when it raises another problem than each earlier one of that
        category (see _another_problem), as in "4栋电梯坏了,单元门禁也刷不开".
        Otherwise it continues the last topic.
        """
        if not 2 <= len(spans) <= MAX_LIST_CLAUSES:
            return None
        clauses = [text[start:end] for start, end in spans]
        # Lengths first: scoring clauses of a line that cannot be a list is wasted.
        if any(len(clause) > MAX_LIST_CLAUSE_CHARS for clause in clauses):
            return None
        topics: list[tuple[int, list[str]]] = []
        for clause in clauses:
            analysis = self._analyse(clause)
            cues = analysis.cues
            # A call for help or advice ("快叫120", "别开灯") requests action on
            # the problem before it and raises no problem of its own. A worry
            # ("着火了咋办") gives the reason that problem matters.
            if topics and (
                cues.complaint
                or cues.call
                or cues.advice
                or _CONTINUES_LIST_CLAUSE.search(clause)
                or WORRY.search(clause)
            ):
                topics[-1][1].append(clause)
                continue
            probabilities = analysis.scores.category_probabilities
            clause_index = int(probabilities.argmax())
            if clause_index == self._chat_index or probabilities[clause_index] < self.thresholds["list_clause"]:
                return None
            if topics and _REQUEST_CLAUSE.match(clause) and not names_new_subject(clause, ",".join(topics[-1][1])):
                topics[-1][1].append(clause)
                continue
            # A clause about the very things of the topic before it, at the
            # same place, describes that problem further ("有人把楼道当仓库,
            # 堆满纸箱"), whichever category it leans to alone. A compound-wide
            # matter about the same thing ("门禁卡要收费") is another problem.
            if (
                topics
                and self.model.categories[clause_index] not in COMPOUND_WIDE
                and names_only_known_subjects(clause, ",".join(topics[-1][1]))
                and not _another_problem(clause, topics[-1][1])
            ):
                topics[-1][1].append(clause)
                continue
            same_category = [pieces for topic_index, pieces in topics if topic_index == clause_index]
            if not same_category or all(_another_problem(clause, pieces) for pieces in same_category):
                topics.append((clause_index, [clause]))
            else:
                topics[-1][1].append(clause)
        if len(topics) < 2:
            return None

        return self._topic_findings(text, topics, ",")

    def _split_findings(self, text: str, index: int, parts: list[tuple[int, int]]) -> list[Finding] | None:
        """Give each part that raises another problem its own finding, in text order, or None for one problem.

        A part after a connective starts a new topic when the model is
        confident it is actionable and it is either of another category than
        every topic so far, or of the same category at another named place
        ("电梯坏了, 还有东门路灯也不亮"). Any other part continues the topic
        before it.
        """
        topics: list[tuple[int, list[str]]] = []
        for start, end in parts:
            piece = text[start:end]
            analysis = self._analyse(piece)
            probabilities = analysis.scores.category_probabilities
            piece_index = int(probabilities.argmax())
            # Danger now after a connective ("对了刚才看到5栋在冒烟") is its own
            # problem however unsure its category, so that it is not handled
            # as part of the routine matter before it.
            confident = piece_index != self._chat_index and (
                probabilities[piece_index] >= self.thresholds["clause"] or analysis.cues.urgent
            )
            if not topics:
                topics.append((piece_index if confident else index, [piece]))
            elif confident and self._is_new_topic(piece_index, piece, topics):
                topics.append((piece_index, [piece]))
            else:
                topics[-1][1].append(piece)
        if len(topics) < 2:
            return None
        return self._topic_findings(text, topics, " ")

    def _topic_findings(self, text: str, topics: list[tuple[int, list[str]]], separator: str) -> list[Finding]:
        findings = []
        for category_index, pieces in topics:
            part = self._analyse(separator.join(pieces))
            findings.append(self._finding(part, category_index, self._is_urgent(part), text))
        return carry_places(findings)

    @staticmethod
    def _is_new_topic(index: int, piece: str, topics: list[tuple[int, list[str]]]) -> bool:
        if all(index != topic_index for topic_index, _ in topics):
            return True
        same_category = [" ".join(pieces) for topic_index, pieces in topics if topic_index == index]
        # A connective before another thing opens a second problem even at the
        # same building: "5栋电梯坏了,另外5栋楼道灯也不亮". A part cut at a
        # building name alone ("5栋的,电梯按钮也不亮") has no such word.
        if strip_connective(piece) != piece and all(names_other_subject(piece, topic) for topic in same_category):
            return True
        place = extract_location(piece)
        if place.is_empty:
            return False
        return all(
            not place.overlaps(extract_location(" ".join(pieces)))
            and place != extract_location(" ".join(pieces))
            for topic_index, pieces in topics
            if topic_index == index
        )

    def _analyse(self, text: str) -> _Analysis:
        cues = find_cues(text)
        # The same features as message_features(text, cues), with the
        # n-grams scored from the text directly, which is much faster.
        scores = self.model.score_text(text, cue_features(cues))
        return _Analysis(text, cues, scores)

    def _decide_category(self, analysis: _Analysis) -> int:
        """Return the category index, overruling an unconfident chat argmax."""
        probabilities = analysis.scores.category_probabilities
        index = int(probabilities.argmax())
        if index == self._chat_index and not self._is_chat(analysis, self._is_urgent(analysis)):
            masked = probabilities.copy()
            masked[self._chat_index] = -1.0
            index = int(masked.argmax())
        return index

    def _is_urgent(self, analysis: _Analysis) -> bool:
        if analysis.cues.urgent:
            return True
        if analysis.cues.defuse:
            return False
        return analysis.scores.urgent_probability >= self.thresholds["urgent"]

    def _is_chat(self, analysis: _Analysis, urgent: bool) -> bool:
        """Confirm a chat argmax: danger now is never chatter, nor is a fault
        of a named thing, and complaint wording needs a confident chat score
        to be dismissed."""
        if urgent or _names_a_fault(analysis):
            return False
        p_chat = float(analysis.scores.category_probabilities[self._chat_index])
        if p_chat < self.thresholds["chat"]:
            return False
        return not analysis.cues.complaint or p_chat >= self.thresholds["chat_complaint"]

    def _finding(self, analysis: _Analysis, index: int, urgent: bool, whole_text: str) -> Finding:
        # A part of a longer message is placed by its own words here, and
        # carry_places adds the places of the parts before it. The whole text
        # is not used, because its first building and its first place may
        # come from two other parts.
        location = extract_location(analysis.text)
        category = self.model.categories[index]
        # The external head learns only from the categories whose route an
        # outside cause changes; on the others its output means nothing.
        # A building of the compound places the problem inside it, unless
        # the words name an outside cause there (a restaurant under 3栋).
        external = (
            category in EXTERNAL_SENSITIVE
            and analysis.scores.external_probability >= self.thresholds["external"]
            and (location.building is None or analysis.cues.external)
        )
        return Finding(
            category=category,
            urgent=urgent,
            confidence=_confidence(float(analysis.scores.category_probabilities[index])),
            location=location,
            external=external,
            text=_finding_text(analysis.text) if analysis.text != whole_text else analysis.text,
            # One part may contain "还有人被困" while another part names the danger.
            danger=(find_danger(analysis.text) or find_danger(whole_text)) if urgent else None,
        )


# Words for a thing that stopped working, for noise from next door or for wasps
# and snakes. With a thing residents report ("我家马桶堵了", "我家跳闸了",
# "602楼上吵", "树上有马蜂窝") they make a report, however chatty the rest.
# A bare 灯 is as often a router's or a phone's light, and a notice or a joke
# ("停水通知", "哈哈") reports nothing.
_FAULT = re.compile(
    r"坏了|坏掉|堵了|堵住|堵死|不通|漏水|渗水|没电|跳闸|停电|停水|没水|不亮|不出水|打不开|关不上|锁不上|不转|失灵|裂了|脱落"
    r"|(?:楼上|楼下|隔壁|对门)(?:又|天天|一直|总是|太|好)?吵|吵得"
    r"|有(?:个|条|一条|一个|好多|很多|好几条)?(?:马蜂窝|蜂窝|马蜂|黄蜂|胡蜂|蛇)"
)
_VAGUE_SUBJECTS = frozenset({"灯"})


def names_a_fault(text: str) -> bool:
    """Tell whether a normalised text names a fault of a thing residents report ("我家马桶堵了")."""
    return _FAULT.search(text) is not None and bool(subjects(text) - _VAGUE_SUBJECTS)


def _names_a_fault(analysis: _Analysis) -> bool:
    if analysis.cues.notice or analysis.cues.defuse:
        return False
    return names_a_fault(analysis.text)


# Marks that second the report under discussion ("+1", "同上"). What follows
# them often only presses it ("同上，物业赶紧的") or describes its effect on the
# sender ("+1，家里老人也下不去"), and then the line raises nothing new.
_AGREEMENT = re.compile(rf"^\s*(?:{AGREEMENT_MARKS})[\s\W_]*")


def _is_bare_agreement(normalized: str) -> bool:
    agreement = _AGREEMENT.match(normalized)
    if agreement is None:
        return False
    rest = normalized[agreement.end() :]
    if not rest or subjects(rest) or find_cues(rest).urgent:
        return False
    return bool(_CONTINUES_LIST_CLAUSE.search(rest) or _REQUEST_CLAUSE.match(rest))


def _is_filler_line(normalized: str) -> bool:
    return bool(
        ME_TOO.match(normalized)
        or COURTESY.match(normalized)
        or BARE_QUESTION.match(normalized)
        or is_bare_thing(normalized)
        or _is_bare_agreement(normalized)
    )


def _another_problem(clause: str, pieces: list[str]) -> bool:
    """Tell whether a clause of a list raises another problem than an earlier topic of its category.

    It does when it names another thing ("33栋电梯坏了,楼道里还漏水", see
    nlp.subjects.names_other_subject) or names a thing at another building,
    unit or named place ("东门路灯不亮,西门路灯也不亮"). Rooms do not
    count, because one leak runs from 1202 into 1102. A clause that names no
    thing ("按钮没反应", "卡在5楼") adds to the topic.
    """
    topic = ",".join(pieces)
    if names_other_subject(clause, topic):
        return True
    if not subjects(clause):
        return False
    place = replace(extract_location(clause), room=None)
    return place.conflicts(replace(extract_location(topic), room=None))


def _without_trailing_address(text: str) -> tuple[str, Location | None, list[tuple[int, int]]]:
    """Split off a last clause that is only an address.

    Returns:
        The rest of the text, the address or None, and the clause spans of
        the whole text, which callers reuse when no address was cut.
    """
    spans = clause_spans(text)
    if len(spans) < 2:
        return text, None, spans
    start, end = spans[-1]
    if not is_bare_address(text[start:end]):
        return text, None, spans
    return text[:start].rstrip(" ,.;:~"), extract_location(text[start:end]), spans


def _placed(findings: list[Finding], address: Location) -> list[Finding]:
    """Give a trailing address ("…,是5栋1单元的") to every finding that names no building.

    Each finding keeps its own named place, so 地库 becomes 5栋1单元地库. A
    compound-wide matter (a fee rise) is at no building, so it gets none.
    """
    return [
        replace(f, location=replace(address, place=f.location.place or address.place))
        if f.location.building is None and f.category not in COMPOUND_WIDE
        else f
        for f in findings
    ]


def _finding_text(part: str) -> str:
    """Return the words of one problem of a longer message without its connective and closing marks.

    "另外垃圾桶也满了没人倒," becomes "垃圾桶也满了没人倒".
    """
    return strip_connective(part).rstrip(" ,.;:~、，。；：") or part

