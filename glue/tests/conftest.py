"""One local SparkSession for every Glue transform test (Spark starts in seconds, not per test)."""

import pytest
from local_spark import local_spark_session


@pytest.fixture(scope="session")
def spark():
    session = local_spark_session("loglake-glue-tests")
    yield session
    session.stop()
