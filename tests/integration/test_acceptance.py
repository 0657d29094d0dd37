"""Accepting a report: a reference another envelope already has is never given twice."""

from __future__ import annotations

from sqlalchemy import select

from routing import acceptance
from routing.acceptance import accept
from routing.models import Envelope
from tests.helpers.services import add_service


def test_a_reference_already_taken_is_drawn_again_and_both_reports_are_kept(
    database, tmp_path, monkeypatch
):
    """The uniqueness of the reporter's reference costs no query of its own: the INSERT skips
    a taken reference, and accept() draws another."""
    add_service(database, "oslo", "0301", key_dir=tmp_path)
    drawn = iter(["AAAA2222", "AAAA2222", "BBBB3333"])
    monkeypatch.setattr(acceptance, "random_reference", lambda: next(drawn))
    with database.session() as session:
        first = accept(session, b'{"first": 1}', "0301")
    with database.session() as session:
        second = accept(session, b'{"second": 2}', "0301")
        second_id = second.id
    assert (first.reference, second.reference) == ("AAAA2222", "BBBB3333")
    with database.session() as session:
        stored = dict(session.execute(select(Envelope.id, Envelope.reference)).all())
    assert stored == {first.id: "AAAA2222", second_id: "BBBB3333"}
