"""A Spark session on one machine (tests, benchmarks, a laptop), configured to work offline."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from pyspark.sql import SparkSession


def local_session(master: str = "local[2]", app_name: str = "redactor",
                  conf: Mapping[str, str] | None = None) -> SparkSession:
    """A local-mode session (``master`` ``local[N]``) with what a bare machine needs:

    * Python workers run this interpreter (``PYSPARK_PYTHON``, unless set): otherwise the
      JVM may start a system Python that has neither redactor nor pandas;
    * the web UI is off and everything binds to 127.0.0.1 (no network, no open port);
    * ``conf`` adds or overrides settings (``{"spark.executorEnv.REDACTOR_KEY_FILE": ...}``).

    Nothing here is needed on a cluster, where ``spark-submit`` and the cluster's own
    configuration decide.
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {"spark.ui.enabled": "false", "spark.driver.host": "127.0.0.1",
                "spark.driver.bindAddress": "127.0.0.1",
                **(conf or {})}
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
