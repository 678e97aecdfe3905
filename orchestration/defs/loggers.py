"""Loggers of the code location: the command line's, beside Dagster's console logger.

A run configured with ``ahw_cli`` sends its records, Dagster's structured events included, to the
Python logger ``ahw.run``; ``ahw run`` and ``ahw demo`` read them there to draw progress bars and write
the full log to a file (orchestration/run_console.py). Runs from the UI, the schedule and the sensors
keep Dagster's console logger.
"""

from __future__ import annotations

import logging

import dagster as dg

#: The Python logger the ``ahw_cli`` Dagster logger writes to.
RUN_LOGGER = "ahw.run"
#: Name of the logger in the Definitions and in a run's ``loggers`` config.
CLI_LOGGER_KEY = "ahw_cli"


@dg.logger(
    config_schema={"log_level": dg.Field(str, default_value="DEBUG", description="Lowest level passed on.")},
    description="The command line's logger: records go to the Python logger 'ahw.run', where `ahw run` and "
    "`ahw demo` draw progress bars from them and write the full log to a file.",
)
def cli_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger(RUN_LOGGER)
    logger.setLevel(init_context.logger_config["log_level"])
    return logger


loggers = {"console": dg.colored_console_logger, CLI_LOGGER_KEY: cli_logger}
