"""The engine: store, transactions, planner and evaluator.

Nothing here knows about SQLAlchemy's execution machinery; the dialect
(``sqlalchemy_memory.dialect``) feeds it compiled statements and bind values.
"""
