"""What the memory dialect supports, for SQLAlchemy's compliance suite.

``SuiteRequirements`` closes many features by default; this class opens each
one the engine honours.  Every requirement still closed *here* says why on
its ``exclusions.closed(...)`` line, and ``docs/limitations.rst`` is
generated from those lines, so the docs list exactly what is not built yet.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy
from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements

try:  # Alembic's dialect suite (test/test_alembic_suite.py) reads this class too
    from alembic.testing.requirements import SuiteRequirements as AlembicSuiteRequirements
except ImportError:  # Alembic is optional

    class AlembicSuiteRequirements:  # type: ignore[no-redef]
        pass

Rule = Any
_sqla21 = sqlalchemy.__version__ >= "2.1"


def _open() -> Rule:
    return exclusions.open()


class Requirements(SuiteRequirements, AlembicSuiteRequirements):
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

    # -- reflection ---------------------------------------------------------
    @property
    def constraint_comment_reflection(self) -> Rule:
        return _open()

    @property
    def check_constraint_reflection(self) -> Rule:
        return _open()

    @property
    def inline_check_constraint_reflection(self) -> Rule:
        return _open()

    @property
    def reflect_table_options(self) -> Rule:
        return _open()

    @property
    def temp_table_names(self) -> Rule:
        return _open()

    @property
    def has_temp_table(self) -> Rule:
        return _open()

    @property
    def temp_table_comment_reflection(self) -> Rule:
        return _open()

    @property
    def foreign_key_constraint_option_reflection_ondelete(self) -> Rule:
        return _open()

    @property
    def foreign_key_constraint_option_reflection_onupdate(self) -> Rule:
        return _open()

    @property
    def fk_constraint_option_reflection_ondelete_restrict(self) -> Rule:
        return _open()

    @property
    def fk_constraint_option_reflection_onupdate_restrict(self) -> Rule:
        return _open()

    @property
    def fk_constraint_option_reflection_ondelete_noaction(self) -> Rule:
        return _open()

    @property
    def reflect_indexes_with_expressions(self) -> Rule:
        return _open()

    @property
    def indexes_with_expressions(self) -> Rule:
        return _open()

    @property
    def indexes_check_column_order(self) -> Rule:
        return _open()

    @property
    def column_collation_reflection(self) -> Rule:
        return _open()

    @property
    def nvarchar_types(self) -> Rule:
        return _open()

    @property
    def reflect_tables_no_columns(self) -> Rule:
        return _open()

    @property
    def repeated_column_foreign_keys(self) -> Rule:
        # the store keeps SQLAlchemy Table objects, and 2.0's
        # ForeignKeyConstraint rejects a repeated source column
        return exclusions.only_if(lambda config: _sqla21, "foreign keys repeating a source column need SQLAlchemy 2.1")

    @property
    def repeated_remote_col_foreign_keys(self) -> Rule:
        return _open()

    @property
    def computed_columns_reflect_persisted(self) -> Rule:
        return _open()

    @property
    def expression_server_defaults(self) -> Rule:
        return _open()

    @property
    def create_table_as(self) -> Rule:
        return _open()

    @property
    def create_temp_table_as(self) -> Rule:
        return _open()

    @property
    def cross_schema_fk_reflection(self) -> Rule:
        return exclusions.closed("cross-schema foreign key reflection: there is no default schema name to qualify local tables with")

    @property
    def unique_constraints_reflect_as_index(self) -> Rule:
        return exclusions.closed("unique constraints reflect as declared, not also as indexes")

    @property
    def unique_index_reflect_as_unique_constraints(self) -> Rule:
        return exclusions.closed("unique indexes reflect as declared, not also as constraints")

    @property
    def foreign_keys_reflect_as_index(self) -> Rule:
        return exclusions.closed("foreign keys reflect as declared, not also as indexes")

    @property
    def index_reflects_included_columns(self) -> Rule:
        return exclusions.closed("INCLUDE columns on indexes: not built yet")

    @property
    def reflect_indexes_with_ascdesc_as_expression(self) -> Rule:
        return exclusions.closed("DESC index columns reflect as column sorting, not as expressions")

    @property
    def identity_columns(self) -> Rule:
        return _open()

    @property
    def computed_columns(self) -> Rule:
        return _open()

    # -- more suite features ----------------------------------------------------
    @property
    def create_or_replace_view(self) -> Rule:
        return _open()

    @property
    def datetime_literals(self) -> Rule:
        return _open()

    @property
    def datetime_timezone_historic(self) -> Rule:
        return _open()

    @property
    def emulated_lastrowid_even_with_sequences(self) -> Rule:
        return _open()

    @property
    def float_or_double_precision_behaves_generically(self) -> Rule:
        return _open()

    @property
    def materialized_views(self) -> Rule:
        return _open()

    @property
    def non_updating_cascade(self) -> Rule:
        return _open()

    @property
    def percent_schema_names(self) -> Rule:
        return _open()

    @property
    def temporary_views(self) -> Rule:
        return _open()

    @property
    def implicit_default_schema(self) -> Rule:
        return _open()

    @property
    def skip_autocommit_rollback(self) -> Rule:
        return _open()

    @property
    def async_dialect(self) -> Rule:
        return exclusions.only_if(lambda config: config.db.dialect.is_async, "the memory+asyncio driver")

    @property
    def computed_columns_default_persisted(self) -> Rule:
        return exclusions.closed("Computed() without persisted= is virtual, as in SQLite: reflection reports persisted=False")

    @property
    def computed_columns_stored(self) -> Rule:
        return _open()

    @property
    def computed_columns_virtual(self) -> Rule:
        return _open()

    @property
    def identity_columns_standard(self) -> Rule:
        return _open()

    @property
    def datetime_interval(self) -> Rule:
        return _open()

    @property
    def default_schema_name_switch(self) -> Rule:
        return exclusions.closed("a per-connection default schema (search path): not built yet")

    @property
    def update_from(self) -> Rule:
        return _open()

    @property
    def delete_from(self) -> Rule:
        return _open()

    @property
    def json_deserializer_binary(self) -> Rule:
        return exclusions.closed("JSON is stored as text: a json_deserializer receives str, not bytes")

    @property
    def materialized_views_reflect_pk(self) -> Rule:
        return exclusions.closed("materialized views are stored without a primary key")

    @property
    def deferrable_fks(self) -> Rule:
        return exclusions.open()  # DEFERRABLE INITIALLY DEFERRED checked at commit

    @property
    def window_range(self) -> Rule:
        return _open()

    @property
    def window_range_numeric(self) -> Rule:
        return _open()

    @property
    def window_range_non_numeric(self) -> Rule:
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
    def ctes(self) -> Rule:
        return _open()

    @property
    def ctes_with_values(self) -> Rule:
        return _open()

    @property
    def intersect(self) -> Rule:
        return _open()

    @property
    def except_(self) -> Rule:
        return _open()

    @property
    def fetch_first(self) -> Rule:
        return _open()

    @property
    def fetch_percent(self) -> Rule:
        return _open()

    @property
    def fetch_ties(self) -> Rule:
        return _open()

    @property
    def fetch_no_order_by(self) -> Rule:
        return _open()

    @property
    def fetch_offset_with_options(self) -> Rule:
        return _open()

    @property
    def fetch_expression(self) -> Rule:
        return _open()

    @property
    def table_value_constructor(self) -> Rule:
        return _open()

    @property
    def order_by_label_with_expression(self) -> Rule:
        return _open()

    @property
    def aggregate_order_by(self) -> Rule:
        return _open()

    @property
    def mod_operator_as_percent_sign(self) -> Rule:
        return _open()

    @property
    def supports_bitwise_or(self) -> Rule:
        return _open()

    @property
    def supports_bitwise_and(self) -> Rule:
        return _open()

    @property
    def supports_bitwise_not(self) -> Rule:
        return _open()

    @property
    def supports_bitwise_xor(self) -> Rule:
        return _open()

    @property
    def supports_bitwise_shift(self) -> Rule:
        return _open()

    @property
    def regexp_match(self) -> Rule:
        return _open()

    @property
    def regexp_replace(self) -> Rule:
        return _open()

    @property
    def ctes_on_dml(self) -> Rule:
        return exclusions.closed("INSERT/UPDATE/DELETE inside a CTE (WITH x AS (UPDATE ...)): not built yet")

    @property
    def ctes_with_update_delete(self) -> Rule:
        return _open()

    @property
    def views(self) -> Rule:
        return _open()

    @property
    def supports_distinct_on(self) -> Rule:
        return exclusions.closed("SELECT DISTINCT ON: not built yet")

    @property
    def window_functions(self) -> Rule:
        return _open()

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
        return _open()

    @property
    def legacy_unconditional_json_extract(self) -> Rule:
        return _open()

    @property
    def array_type(self) -> Rule:
        return _open()

    # -- Alembic's dialect suite (test/test_alembic_suite.py) ------------------
    @property
    def autocommit_isolation(self) -> Rule:
        return _open()

    @property
    def reflects_fk_options(self) -> Rule:
        return _open()

    @property
    def fk_ondelete_is_reflected(self) -> Rule:
        return _open()

    @property
    def fk_onupdate_is_reflected(self) -> Rule:
        return _open()

    @property
    def fk_deferrable(self) -> Rule:
        return _open()

    @property
    def fk_initially(self) -> Rule:
        return exclusions.open()

    @property
    def fk_deferrable_is_reflected(self) -> Rule:
        return _open()

    @property
    def identity_columns_alter(self) -> Rule:
        return _open()

    @property
    def autoincrement_on_composite_pk(self) -> Rule:
        return _open()
