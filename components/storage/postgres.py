"""The PostgreSQL backend for `databases`, with statements compiled once per shape
(storage/compiled.py). Loaded by name only when DATABASE_URL is PostgreSQL, so a
SQLite install needs no asyncpg."""

from typing import Any

from databases.backends.postgres import PostgresBackend, PostgresConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.ddl import DDLElement

from components.storage.compiled import compiled


class CachedPostgresConnection(PostgresConnection):
    def _compile(self, query: ClauseElement) -> tuple[str, list[Any], Any]:
        statement, params = compiled(query, self._dialect)
        if isinstance(query, DDLElement):
            return statement.string, [], None
        names = sorted(statement.params)  # databases numbers the parameters in name order
        processors = statement._bind_processors
        sql = statement.string % {name: f"${number}" for number, name in enumerate(names, start=1)}
        args = [processors[name](params[name]) if name in processors else params[name] for name in names]
        return sql, args, statement._result_columns


class CachedPostgresBackend(PostgresBackend):
    def connection(self) -> CachedPostgresConnection:
        return CachedPostgresConnection(self, self._dialect)
