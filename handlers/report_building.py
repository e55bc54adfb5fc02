"""Building numbers in a report that no building can have (0栋, 1000栋).

Such a number is a typo, so the report still opens its cases, only without
a building, and the receipt requests the correct one. Storing 0栋 would route
the case to a building that the register has not got.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from handlers import onboarding_texts
from handlers.messages import ChatTarget, Reply
from handlers.onboarding import invalid_building
from handlers.register_address import MAX_BUILDING_NUMBER, is_valid_building
from nlp.findings import Finding

log = logging.getLogger(__name__)


def drop_invalid_buildings(findings: list[Finding], text: str) -> tuple[list[Finding], str | None]:
    """Return the findings without out-of-range buildings, and the first such number as typed (None if none).

    The number comes from the text when it is there, so 零栋 is quoted as
    零. The text counts even where no finding names the building, because
    the location patterns read at most three digits and leave 1000栋 out.

    Args:
        findings: The report's findings, after their places were shared.
        text: The message as the resident wrote it.
    """
    wrong = invalid_building(text)
    cleaned = []
    for finding in findings:
        building = finding.location.building
        if not is_valid_building(building):
            wrong = wrong or building
            finding = replace(finding, location=replace(finding.location, building=None))
        cleaned.append(finding)

    if wrong is not None:
        log.info("report building out of range, case opened without one: building=%s", wrong)
    return cleaned, wrong


def add_building_note(replies: list[Reply], chat: ChatTarget, number: str, reply_to: str | None) -> list[Reply]:
    """Append the invalid-building note to the receipt in `chat`, or send it alone when there is no receipt."""
    note = onboarding_texts.building_not_recorded(number, MAX_BUILDING_NUMBER)
    for position, reply in enumerate(replies):
        if reply.audience == "group" and reply.target == chat:
            noted = replace(reply, text=f"{reply.text}\n{note}")
            return [*replies[:position], noted, *replies[position + 1 :]]
    return [*replies, Reply(chat, note, None, "group", reply_to)]
