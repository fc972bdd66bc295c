"""Statements compiled once per shape: each call still gets its own values."""

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from components.storage.compiled import compiled
from components.storage.database import users
from components.storage.prepared import P, Statement, bound


def test_one_shape_compiles_once_and_each_call_keeps_its_values():
    dialect = sqlite.dialect()
    first, first_values = compiled(users.select().where(users.c.id == 1), dialect)
    second, second_values = compiled(users.select().where(users.c.id == 2), dialect)
    assert second is first
    assert list(first_values.values()) == [1] and list(second_values.values()) == [2]


def test_a_list_of_another_length_is_compiled_again():
    dialect = postgresql.dialect()
    two, _ = compiled(sa.select(users.c.id).where(users.c.email.in_(["a", "b"])), dialect)
    three, values = compiled(sa.select(users.c.id).where(users.c.email.in_(["a", "b", "c"])), dialect)
    assert three is not two and three.string.count("%(") == 3 and sorted(values.values()) == ["a", "b", "c"]


def _ids_of(rows: list[dict[str, P]]) -> Statement:
    return sa.select(users.c.id).where(users.c.email.in_([row["email"] for row in rows]))


def test_a_statement_of_many_rows_is_prepared_once_for_each_number_of_rows():
    two = bound(_ids_of, rows=[{"email": "a"}, {"email": "b"}])
    two_more = bound(_ids_of, rows=[{"email": "c"}, {"email": "d"}])
    three = bound(_ids_of, rows=[{"email": "a"}, {"email": "b"}, {"email": "c"}])
    assert two_more.prepared is two.prepared and three.prepared is not two.prepared
    assert compiled(two_more, sqlite.dialect())[1] == {"row0_email": "c", "row1_email": "d"}
    assert list(compiled(three, sqlite.dialect())[1].values()) == ["a", "b", "c"]


def test_rows_that_differ_in_their_names_are_refused():
    with pytest.raises(TypeError):
        bound(_ids_of, rows=[{"email": "a"}, {"mail": "b"}])


def test_a_second_signup_and_sign_in_compile_nothing_and_build_no_statement(
    htmx_visitor, new_visitor, outbox, monkeypatch
):
    """Every statement of the busiest steps is built once (storage/prepared.py): building
    one and taking its cache key on each call was most of a signup's time (bench/README.md)."""

    def journey(n: int) -> None:
        visitor = new_visitor(address=f"198.51.100.{n}")
        visitor.sign_up(email=f"j{n}@example.com", phone=f"+1 201 555 {n:04d}")
        visitor.enter_code(outbox.last_code(f"+1201555{n:04d}"))
        visitor.sign_out()
        visitor.sign_in(email=f"j{n}@example.com")
        visitor.enter_code(outbox.last_code(f"+1201555{n:04d}"))

    journey(1)
    compiles = []
    original = sa.sql.ClauseElement.compile
    monkeypatch.setattr(
        sa.sql.ClauseElement,
        "compile",
        lambda self, *a, **k: compiles.append(str(original(self))[:80]) or original(self, *a, **k),
    )
    keyed = []
    original_key = sa.sql.ClauseElement._generate_cache_key
    monkeypatch.setattr(
        sa.sql.ClauseElement,
        "_generate_cache_key",
        lambda self: keyed.append(str(original(self))[:80]) or original_key(self),
    )
    journey(2)
    assert compiles == [], compiles
    assert keyed == [], keyed


def test_what_is_kept_for_a_prepared_statement_is_kept_apart_per_backend():
    """A statement without values reads the same on both databases; what each backend keeps
    for it (SQLite: a result layout; PostgreSQL: column maps) differs."""
    from components.storage.compiled import kept_for
    from components.storage.prepared import bound

    def _no_values():
        return sa.select(users.c.id).where(users.c.id == 0)

    query = bound(_no_values)
    sql = "SELECT users.id FROM users WHERE users.id = 0 -- kept apart test"
    assert kept_for("sqlite", query, sql, lambda: "layout") == "layout"
    assert kept_for("postgresql", query, sql, lambda: "maps") == "maps"
    assert kept_for("sqlite", query, sql, lambda: "built again") == "layout"
    assert kept_for("sqlite", users.select(), sql, lambda: "not prepared") == "not prepared"
