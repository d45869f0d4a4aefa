"""Globs are shared between equal patterns and match literals by equality, with the same
results as their regular expressions."""

from __future__ import annotations

import re

import pytest

from airlock.analysis.policy.wildcard import LITERAL_STAR, Glob

VALUES = ["vpce-1", "VPCE-1", "vpce-1\n", "vpce-12", "", "a*b", "a.b", "arn:aws:s3:::b/k"]


@pytest.mark.parametrize(
    "glob",
    [
        Glob.exact("vpce-1"),
        Glob.exact("vpce-1", case_insensitive=True),
        Glob.exact("a.b"),
        Glob.exact(f"a{LITERAL_STAR}b"),
        Glob.like("vpce-*"),
        Glob.like("a?b"),
        Glob.arn("arn:aws:s3:::*"),
        Glob.arn("*"),
    ],
)
def test_matching_agrees_with_the_regular_expression(glob: Glob) -> None:
    for value in VALUES:
        assert glob.matches(value) == (glob._regex.fullmatch(value) is not None), value


def test_literal_escapes_decode_and_regex_stays_available() -> None:
    glob = Glob.exact(f"a{LITERAL_STAR}b")
    assert glob.matches("a*b") and not glob.matches("axb")
    assert isinstance(glob._regex, re.Pattern)
    assert glob._regex.pattern == re.escape("a*b")


def test_equal_patterns_share_one_glob_and_stay_equal_to_fresh_ones() -> None:
    assert Glob.arn("arn:aws:s3:::b/*") is Glob.arn("arn:aws:s3:::b/*")
    assert Glob.like("x*", case_insensitive=True) is not Glob.like("x*")
    fresh = Glob(Glob.like("x*").tokens)
    assert fresh == Glob.like("x*") and hash(fresh) == hash(Glob.like("x*"))
    assert repr(fresh) == repr(Glob.like("x*"))
