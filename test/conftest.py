from sqlalchemy.dialects import registry
import pytest

registry.register("memory", "sqlalchemy_memory.dialect", "MemoryDialect")
registry.register("memory.asyncio", "sqlalchemy_memory.aio", "MemoryDialect_asyncio")

pytest.register_assert_rewrite("sqlalchemy.testing.assertions")

from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: E402,F401,F403
