"""A process killed right after a commit, as the durability tests simulate it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

# Key in Session.info of the flag that the open transaction wrote what the test watches for.
_WROTE = "crash_test_wrote"


class ProcessKilled(BaseException):
    """Raised where the process dies.

    It derives from BaseException, so no `except Exception` in the bot
    catches it, and no code after the raise runs in the calling task.
    """


@contextmanager
def killed_after_commit(wrote: Callable[[object], bool]) -> Iterator[None]:
    """Raise ProcessKilled right after the first commit whose transaction wrote something `wrote` accepts.

    `wrote` is called with each ORM object a flush inserts or updates and
    with each statement run through a session (an UPDATE built with
    sqlalchemy.update, say). The transaction commits in full before the
    raise, and later commits pass once the process has been killed.
    """
    armed = True

    def after_flush(session: Session, _context: object) -> None:
        if any(wrote(item) for item in (*session.new, *session.dirty)):
            session.info[_WROTE] = True

    def do_orm_execute(state: ORMExecuteState) -> None:
        if wrote(state.statement):
            state.session.info[_WROTE] = True

    def after_rollback(session: Session) -> None:
        session.info.pop(_WROTE, None)

    def after_commit(session: Session) -> None:
        nonlocal armed
        if session.info.pop(_WROTE, False) and armed:
            armed = False
            raise ProcessKilled

    listeners = {
        "after_flush": after_flush,
        "do_orm_execute": do_orm_execute,
        "after_rollback": after_rollback,
        "after_commit": after_commit,
    }
    for name, listener in listeners.items():
        event.listen(Session, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners.items():
            event.remove(Session, name, listener)
