"""An argparse parser whose usage, help and errors read in Chinese.

Both command lines, `python -m bot` and `python -m nlp`, build their parsers
from ChineseArgumentParser. It lives in nlp because nlp imports no other
package of this project, so the bot package can import it and not the other
way round.

How the phrases are replaced: argparse (checked against CPython 3.11) builds
every fixed phrase it prints, such as "usage: ", "options" and "the following
arguments are required: %s", by calling the module globals `argparse._` and
`argparse.ngettext`, which it imports from gettext. ChineseArgumentParser
points those two globals at the PHRASES table only while one of its own
methods runs, and puts the previous functions back afterwards. Two other
ways were rejected:

- A gettext catalog (.mo file) would apply to the process's default domain,
  so it would also translate other libraries, and it takes effect only if the
  operator's LANGUAGE or LANG names Chinese.
- Rewriting the message in error() would mean parsing English text that
  argparse has already filled in.

Swapping module globals is not thread-safe. Both command lines parse their
arguments on the main thread before they start any other thread. A phrase
missing from PHRASES, for example one added by a later Python release, stays
in English. tests/cli/test_chinese_argparse.py checks that PHRASES covers
every phrase of the running Python's argparse.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

# Chinese names of the type= functions whose ValueError argparse reports itself.
_TYPE_NAMES = {"int": "整数", "float": "数字"}


class _InvalidValueMessage(str):
    """The template for "invalid %(type)s value: %(value)r".

    argparse fills it with the type function's __name__, an English
    identifier, so this template swaps in a Chinese name or drops it.
    """

    def __mod__(self, values: Any) -> str:
        name = _TYPE_NAMES.get(values["type"])
        if name is None:
            return f"无效的值：{values['value']!r}"
        return f"{values['value']!r} 不是有效的{name}"


# Every msgid that CPython 3.11's argparse passes to _() or, singular form
# only, to ngettext(). Chinese has no plural forms, so ngettext ignores the count.
PHRASES: dict[str, str] = {
    # Usage and help.
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "subcommands": "子命令",
    "show this help message and exit": "显示本帮助信息并退出",
    # Errors in what the operator typed.
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "参数 %s 必须提供其中一个",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": _InvalidValueMessage("invalid %(type)s value: %(value)r"),
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多只能给一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "这个选项不带值，%r 无效",
    "unexpected option string: %s": "此处不能使用选项 %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的命令 %(parser_name)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开文件“%(filename)s”：%(error)s",
    'argument "-" with mode %r': "参数“-”不支持模式 %r",
    # Mistakes in building a parser, which only a developer can make.
    ".__call__() not defined": ".__call__() 未定义",
    "'required' is an invalid argument for positionals": "位置参数不能设置 'required'",
    "mutually exclusive arguments must be optional": "互斥的参数必须是选项",
    "%r is not callable": "%r 不可调用",
    "cannot merge actions - two groups are named %r": "无法合并参数：有两个参数组都叫 %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r": (
        "无效的选项名 %(option)r：必须以 %(prefix_chars)r 中的字符开头"
    ),
    "dest= is required for options like %r": "%r 这样的选项必须指定 dest=",
    "invalid conflict_resolution value: %r": "无效的 conflict_resolution 值：%r",
    "cannot have multiple subparser arguments": "一个解析器只能有一组子命令",
    "conflicting subparser: %s": "子命令重名：%s",
    "conflicting subparser alias: %s": "子命令别名重名：%s",
    "conflicting option string: %s": "选项名冲突：%s",
}


def _translate(message: str | None) -> str | None:
    # add_subparsers passes None when it gets no description.
    if message is None:
        return None
    return PHRASES.get(message, message)


def _translate_plural(singular: str, plural: str, count: int) -> str:
    phrase = PHRASES.get(singular)
    if phrase is not None:
        return phrase
    return singular if count == 1 else plural


@contextmanager
def _chinese_phrases() -> Iterator[None]:
    # Saving whatever is installed makes nested calls safe. The inner call
    # restores the Chinese functions, and the outer call restores gettext's.
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _translate, _translate_plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def display_width(text: str) -> int:
    """Return how many terminal columns `text` takes: two for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


# Characters that must not start a line, so they stay with the preceding token.
_CLOSING_PUNCTUATION = "，。、；：！？）」』】》”’,.;:!?)"
# One token: a run of non-space characters that are not CJK, a single CJK
# character, or a run of spaces. A CJK character is any character from the
# blocks below, which contain the ideographs and the full-width punctuation.
_TOKEN = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|\s+")


def wrap(text: str, width: int) -> list[str]:
    """Break `text` into lines of at most `width` columns, counting CJK characters as two.

    Lines may break between any two CJK characters and at spaces, but never
    before closing punctuation. A single token wider than `width`, such as a
    long URL, gets a line of its own.
    """
    tokens: list[str] = []
    for token in _TOKEN.findall(" ".join(text.split())):
        if tokens and not tokens[-1].isspace() and token[0] in _CLOSING_PUNCTUATION:
            tokens[-1] += token
        else:
            tokens.append(token)

    lines: list[str] = []
    line = ""
    for token in tokens:
        if line and display_width(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        if line or not token.isspace():
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


class ChineseHelpFormatter(argparse.HelpFormatter):
    """A help formatter that wraps and aligns by terminal columns instead of characters.

    argparse's own formatter counts characters, so a CJK character, which
    takes two columns, pushes help text out of line and past the terminal's edge.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._headings: set[str] = set()

    def start_section(self, heading: str | None) -> None:
        super().start_section(heading)
        if heading:
            self._headings.add(heading)

    def format_help(self) -> str:
        # argparse ends each section heading with an ASCII colon; Chinese text uses the full-width one.
        text = super().format_help()
        for heading in self._headings:
            text = re.sub(rf"^(\s*){re.escape(heading)}:$", rf"\g<1>{heading}：", text, flags=re.MULTILINE)
        return text

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is argparse.SUPPRESS:
            return
        # The base class measures the invocations with len(); measure them again in columns.
        actions = [action, *self._iter_indented_subactions(action)]
        widest = max(display_width(self._format_action_invocation(each)) for each in actions)
        self._action_max_length = max(self._action_max_length, widest + self._current_indent)

    def _format_action(self, action: argparse.Action) -> str:
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        header = " " * self._current_indent + self._format_action_invocation(action)

        help_lines: list[str] = []
        if action.help and action.help.strip():
            help_lines = self._split_lines(self._expand_help(action), help_width)

        # The help starts on the header's line when at least two spaces separate them.
        gap = help_position - display_width(header)
        if help_lines and gap >= 2:
            lines = [header + " " * gap + help_lines[0]]
            help_lines = help_lines[1:]
        else:
            lines = [header]
        lines += [" " * help_position + line for line in help_lines]

        parts = [line + "\n" for line in lines]
        parts += [self._format_action(subaction) for subaction in self._iter_indented_subactions(action)]
        return "".join(parts)

    def _format_usage(self, *args: Any) -> str:
        # argparse wraps the usage by characters. While a line is too wide
        # because of its CJK characters, narrow the width by that line's
        # extra columns and wrap again. The width only shrinks, so this ends.
        full_width = self._width
        try:
            while True:
                usage = super()._format_usage(*args)
                too_wide = [line for line in usage.splitlines() if display_width(line) > full_width]
                extra = max((display_width(line) - len(line) for line in too_wide), default=0)
                if full_width - extra >= self._width:
                    return usage
                self._width = full_width - extra
        finally:
            self._width = full_width

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage, help and error messages are in Chinese.

    Each method below runs the base method with the Chinese phrases installed.
    Together they cover the places where CPython 3.11's ArgumentParser calls
    _(): building a parser and its subcommands, parsing, formatting usage and
    help, and reporting an error. Subcommand parsers are ChineseArgumentParsers
    too, because add_subparsers creates them with the class of their parent.
    The exit status of a usage error stays 2.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        with _chinese_phrases():
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction:
        with _chinese_phrases():
            return super().add_subparsers(**kwargs)

    def parse_args(self, *args: Any, **kwargs: Any) -> argparse.Namespace:
        with _chinese_phrases():
            return super().parse_args(*args, **kwargs)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> tuple[argparse.Namespace, list[str]]:
        with _chinese_phrases():
            return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        with _chinese_phrases():
            return super().format_usage()

    def format_help(self) -> str:
        with _chinese_phrases():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with _chinese_phrases():
            super().error(message)
