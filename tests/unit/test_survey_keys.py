"""A ticket's survey key under the server's secret, and under a secret it replaced."""

from __future__ import annotations

from core import survey_keys

OLD, NEW, OTHER = "old-secret", "new-secret", "someone-else"


def test_a_key_matches_under_its_own_secret_only() -> None:
    key = survey_keys.survey_key(NEW, "t1")
    assert len(key) == survey_keys.LENGTH
    assert survey_keys.matches(NEW, "t1", key)
    assert not survey_keys.matches(NEW, "t2", key)
    assert not survey_keys.matches(OLD, "t1", key)
    for wrong in (None, 42, "", key[:-1], key + "x", "é" * survey_keys.LENGTH):
        assert not survey_keys.matches(NEW, "t1", wrong)


def test_a_key_made_before_the_secret_changed_matches_while_the_old_one_is_listed() -> None:
    printed = survey_keys.survey_key(OLD, "t1")
    assert not survey_keys.matches(NEW, "t1", printed)
    assert survey_keys.matches(NEW, "t1", printed, previous=[OTHER, OLD])
    assert not survey_keys.matches(NEW, "t1", printed, previous=[OTHER])
    # A key made under the new secret still matches with old ones listed.
    assert survey_keys.matches(NEW, "t1", survey_keys.survey_key(NEW, "t1"), previous=[OLD])
