"""What the memory dialect supports, for SQLAlchemy's compliance suite.

``SuiteRequirements`` closes many features by default; this class opens each
one the engine honours.  Every requirement still closed *here* says why on
its ``exclusions.closed(...)`` line, and ``docs/limitations.rst`` is
generated from those lines, so the docs list exactly what is not built yet.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements

Rule = Any


def _open() -> Rule:
    return exclusions.open()


class Requirements(SuiteRequirements):
    # -- transactions -------------------------------------------------------
    @property
    def autocommit(self) -> Rule:
        return _open()

    @property
    def isolation_level(self) -> Rule:
        return _open()

    def get_isolation_levels(self, config: Any) -> Any:
        return {"default": "READ COMMITTED", "supported": ["READ COMMITTED", "SERIALIZABLE", "AUTOCOMMIT"]}

    @property
    def savepoints(self) -> Rule:
        return _open()

    @property
    def two_phase_transactions(self) -> Rule:
        return exclusions.closed("two-phase commit: there is no second resource manager to prepare against")

    @property
    def server_side_cursors(self) -> Rule:
        # stream_results / AsyncConnection.stream work, but the suite's
        # ServerSideCursorsTest recognises only the cursors of drivers it knows
        return exclusions.closed("server-side cursors as the suite detects them: rows are always in memory; stream_results works")

    # -- DDL and schemas ----------------------------------------------------
    @property
    def table_ddl_if_exists(self) -> Rule:
        return _open()

    @property
    def index_ddl_if_exists(self) -> Rule:
        return _open()

    @property
    def schema_create_delete(self) -> Rule:
        return _open()

    @property
    def server_defaults(self) -> Rule:
        return _open()

    @property
    def unicode_ddl(self) -> Rule:
        return _open()

    @property
    def comment_reflection(self) -> Rule:
        return _open()

    @property
    def comment_reflection_full_unicode(self) -> Rule:
        return _open()

    @property
    def reflects_pk_names(self) -> Rule:
        return _open()

    # -- DML ----------------------------------------------------------------
    @property
    def dbapi_lastrowid(self) -> Rule:
        return _open()

    @property
    def tuple_in(self) -> Rule:
        return _open()

    @property
    def tuple_in_w_empty(self) -> Rule:
        return _open()

    # -- SELECT -------------------------------------------------------------
    @property
    def nullsordering(self) -> Rule:
        return _open()

    @property
    def boolean_col_expressions(self) -> Rule:
        return _open()

    @property
    def supports_distinct_on(self) -> Rule:
        return exclusions.closed("SELECT DISTINCT ON: not built yet")

    @property
    def window_functions(self) -> Rule:
        return exclusions.closed("window functions (OVER): not built yet")

    # -- types --------------------------------------------------------------
    @property
    def timestamp_microseconds(self) -> Rule:
        return _open()

    @property
    def datetime_historic(self) -> Rule:
        return _open()

    @property
    def date_historic(self) -> Rule:
        return _open()

    @property
    def datetime_timezone(self) -> Rule:
        return _open()

    @property
    def time_timezone(self) -> Rule:
        return _open()

    @property
    def uuid_data_type(self) -> Rule:
        return _open()

    @property
    def infinity_floats(self) -> Rule:
        return _open()

    @property
    def precision_numerics_enotation_small(self) -> Rule:
        return _open()

    @property
    def precision_numerics_many_significant_digits(self) -> Rule:
        return _open()

    @property
    def json_type(self) -> Rule:
        return exclusions.closed("JSON type: element and path access are not built yet")

    @property
    def array_type(self) -> Rule:
        return exclusions.closed("ARRAY type: not built yet")
