"""Gunicorn's logger, with the scrubbing filter on every handler."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from safetrail.safety.logging import ScrubFilter


class ScrubbedLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            logger.addFilter(ScrubFilter())
            for handler in logger.handlers:
                handler.addFilter(ScrubFilter())
