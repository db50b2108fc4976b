"""SQL fragments inside Core statements: literal_column() and text() are
parsed by the SQL-text path and evaluated like the rest of the statement."""

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, literal_column, select, text
from sqlalchemy.testing import fixtures


class TextFragmentsTest(fixtures.TestBase):
    def _engine(self):  # type: ignore[no-untyped-def]
        engine = create_engine("memory://")
        metadata = MetaData()
        t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("price", Integer), Column("name", String(10)))
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(t.insert(), [{"price": 3, "name": "a"}, {"price": 4, "name": "b"}, {"price": None, "name": "c"}])
        return engine, t

    def test_literal_column_expression(self) -> None:
        engine, t = self._engine()
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.c.id, literal_column("price * 2")).where(literal_column("price") > 3)
            ).all()
        assert rows == [(2, 8)]

    def test_text_where_and_order_by_with_direction(self) -> None:
        engine, t = self._engine()
        with engine.connect() as conn:
            assert conn.execute(select(t.c.id).where(text("price < 5")).order_by(text("id DESC"))).all() == [(2,), (1,)]
            assert conn.execute(select(t.c.id).order_by(text("price DESC NULLS FIRST"))).all() == [(3,), (2,), (1,)]
            assert conn.execute(select(t.c.name).where(text("name IN ('a', 'c')")).order_by(t.c.id)).all() == [("a",), ("c",)]
