"""Chinese reasons for the file errors that commands report to the person running them.

OSError.strerror is the C library's English text, such as "No such file or directory".
The module is in nlp, the lowest layer, so `python -m bot` and `python -m nlp`
share it without nlp importing bot.
"""

from __future__ import annotations

import errno

_REASONS = {
    errno.ENOENT: "文件或所在目录不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是一个目录，不是文件",
    errno.ENOTDIR: "路径中有一级不是目录",
    errno.ENOSPC: "磁盘空间已满",
    errno.EROFS: "所在的文件系统是只读的",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EIO: "磁盘读写出错",
}
# EDQUOT is missing on some platforms.
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "超出了磁盘配额"


def os_error_reason(exc: OSError) -> str:
    """Return why a file operation failed, in Chinese.

    An error number without its own text is named by its symbol, such as
    EMFILE, so the reader can still look it up.
    """
    reason = _REASONS.get(exc.errno) if exc.errno is not None else None
    if reason is not None:
        return reason
    symbol = errno.errorcode.get(exc.errno) if exc.errno is not None else None
    return f"系统错误 {symbol}" if symbol else "系统错误"
