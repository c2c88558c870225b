"""Logging, configured once per process: a rotating file under the data folder, and stderr.

Each entry point calls ``configure_logging()`` first (the three CLIs at the start of ``main()``,
the dashboard in its frame); a module only does ``logger = logging.getLogger(__name__)``. The log
is for whoever runs the server, in English; the user still reads one Chinese line.

What is never logged: row contents (a ledger row may carry a whistleblower's 反映人/联系电话 before
they are dropped, and names of reported or handled people), database URLs (they hold passwords).
Log a file name, a count, a batch id, the exception; not a value read from a sheet.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from config import settings

LOG_FILE_NAME = "dashboard.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 5

# marks the handlers this module attached, so a second call replaces them instead of doubling them
_OWNED = "_dashboard_handler"
# libraries that narrate their work at INFO (a browser started, a temporary folder removed, records
# read): at WARNING unless log_level is DEBUG, so the log tells the dashboard's own story
CHATTY_LIBRARIES = ("kaleido", "choreographer", "pyogrio")
# PostgreSQL's detail line of a constraint violation quotes the whole row
_ROW_DETAIL = "Failing row contains"


class _RowHidingFormatter(logging.Formatter):
    """The one format, with an exception's row values left out of its traceback.

    SQLAlchemy prints a failed statement's parameters (the rows being written) in the exception's
    text unless told not to; PostgreSQL adds "Failing row contains (…)". Both are dropped here, for
    every logger, so no boundary has to remember it.
    """

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # another handler may have cached the text with the rows in it
        return super().format(record)

    def formatException(self, ei) -> str:
        from sqlalchemy.exc import StatementError

        seen = set()
        exc = ei[1]
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            if isinstance(exc, StatementError):
                exc.hide_parameters = True
            exc = exc.__cause__ or exc.__context__
        text = super().formatException(ei)
        return "\n".join("    [row contents hidden]" if _ROW_DETAIL in line else line for line in text.splitlines())


def log_file_path() -> Path:
    """Return the log file's path: ``dashboard.log`` in the data folder (relative to the project root)."""
    data_dir = Path(settings.get("data_dir"))
    if not data_dir.is_absolute():
        data_dir = settings.PROJECT_ROOT / data_dir
    return data_dir / LOG_FILE_NAME


def configure_logging(*, stderr: bool = True) -> Path:
    """Return the log file's path after configuring the root logger; calling it again changes nothing.

    The level is the ``log_level`` setting. ``stderr=False`` is for the command lines: their stderr
    belongs to the clerk, who reads one Chinese line there, so the records go to the file only.
    A later call with another data folder, level or ``stderr`` replaces this module's handlers.
    """
    path = log_file_path()
    level_name = str(settings.get("log_level")).strip().upper()
    level = logging.getLevelName(level_name)
    known = isinstance(level, int)
    if not known:
        level = logging.INFO
    root = logging.getLogger()
    owned = [h for h in root.handlers if getattr(h, _OWNED, False)]
    wanted = {("file", str(path))} | ({("stderr", "")} if stderr else set())
    if {getattr(h, _OWNED) for h in owned} == wanted and root.level == level:
        return path
    for handler in owned:
        root.removeHandler(handler)
        handler.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    formatter = _RowHidingFormatter(LOG_FORMAT)
    handlers: list[logging.Handler] = [logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")]
    setattr(handlers[0], _OWNED, ("file", str(path)))
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
        setattr(handlers[1], _OWNED, ("stderr", ""))
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    if not known:
        logging.getLogger(__name__).warning("Unknown log_level %r, logging at INFO", level_name)
    return path
