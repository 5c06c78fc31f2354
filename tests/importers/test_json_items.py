"""JSON pages decoded whole (orjson) read exactly as the streaming parser (ijson) reads them:
the same items at the same paths, or the same refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensehub.importers.base import InvalidImport, NoProgress, SourceFile
from licensehub.importers.reading import json_items, streamed_items, whole_file_items

PREFIX = "value.item"
INT64 = st.integers(min_value=1 - 2**63, max_value=2**63 - 1)  # what ijson takes


def read(items: Any) -> list[tuple[str, Any]] | str:
    try:
        return list(items)
    except InvalidImport as refused:
        return f"refused: {refused}"


def both_ways(path: Path, data: bytes, prefix: str = PREFIX) -> tuple[Any, Any]:
    path.write_bytes(data)
    source = SourceFile(path.name, path)
    return read(json_items(source, NoProgress(), prefix)), read(
        streamed_items(source, NoProgress(), prefix)
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | INT64
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]) | st.sampled_from('"\\\x00\u2028')),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(json_values, max_size=5), ascii_only=st.booleans(), bom=st.booleans())
def test_a_decoded_page_reads_as_the_stream_reads_it(
    tmp_path: Path, items: list[Any], ascii_only: bool, bom: bool
) -> None:
    page = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": items}
    data = (b"\xef\xbb\xbf" if bom else b"") + json.dumps(page, ensure_ascii=ascii_only).encode()
    whole, streamed = both_ways(tmp_path / "page.json", data)
    assert whole == streamed
    if data.count(b'"value"') == 1:  # unless an item has a member named "value" too
        assert (
            whole_file_items(SourceFile("page.json", tmp_path / "page.json"), "value") is not None
        )


@pytest.mark.parametrize(
    "data",
    [
        b'{"value": [9223372036854775807, -9223372036854775807, 1e-400, 0.1e1, -0]}',
        b'{"value": [1e400]}',
        b'{"value": [NaN]}',
        b'{"value": [-Infinity]}',
        b'{"value": ["\\ud800 alone"]}',  # ijson reads it as "?"
        b'{"value": ["\\ud83d\\ude00 paired"]}',
        b'{"value": [1], "value": [2]}',  # a member named twice
        b'{"value": [1], "val\\u0075e": [2]}',  # and once spelled with an escape
        b'{"valu\\u0065": [1, 2], "x": "\\u00e9"}',
        b'{"value": [1, "\\u00e9", "\\u0000"]}',  # escapes, none of them in a name
        b'{"value": ["a\\\\b", "\\"quoted\\""]}',  # backslashes, but no \\u00 escape
        b'{"value": {"not": "an array"}}',
        b'[{"value": 1}]',  # a top-level array where an object is expected
        b'{"value": [1, 2]} trailing',
        b'{"value": [1, 2',
        b'{"value": ["\xff"]}',  # not UTF-8
        b"\xff\xfe{\x00}\x00",  # UTF-16
        b"",
        b'  \n{"value": []}\n',
    ],
)
def test_what_the_stream_refuses_or_reads_oddly_reads_the_same_whole(
    tmp_path: Path, data: bytes
) -> None:
    whole, streamed = both_ways(tmp_path / "page.json", data)
    assert whole == streamed


def test_a_page_deeper_than_orjson_goes_is_streamed(tmp_path: Path) -> None:
    depth = 1100  # orjson stops at 1024
    whole, streamed = both_ways(
        tmp_path / "deep.json", b'{"value": [' + b"[" * depth + b"]" * depth + b"]}"
    )
    for read_back in (whole, streamed):
        [(path, item)] = read_back
        assert path == "$.value[0]"
        levels = 0
        while item != []:  # compared level by level: == on the whole would recurse too deep
            [item] = item
            levels += 1
        assert levels == depth - 1


def test_integers_past_64_bits_are_the_one_difference(tmp_path: Path) -> None:
    """ijson refuses the file; decoded whole, the number reaches the field that reads it,
    which refuses it there if it is out of its range (here: nobody reads it)."""
    whole, streamed = both_ways(tmp_path / "page.json", b'{"value": [{"n": 9223372036854775808}]}')
    assert whole == [("$.value[0]", {"n": 9223372036854775808})]
    assert isinstance(streamed, str)
    assert "not valid JSON" in streamed


def test_a_top_level_array_reads_the_same(tmp_path: Path) -> None:
    whole, streamed = both_ways(tmp_path / "numbers.json", b'[{"a": 1}, {"b": [2.5]}]', "item")
    assert whole == streamed == [("$[0]", {"a": 1}), ("$[1]", {"b": [2.5]})]


def test_an_ordinary_page_is_decoded_whole_and_a_large_file_is_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"value": [{"id": "1", "displayName": "Ann"}]}))
    source = SourceFile(path.name, path)
    assert whole_file_items(source, "value") == [{"id": "1", "displayName": "Ann"}]
    monkeypatch.setattr("licensehub.importers.reading.WHOLE_FILE", path.stat().st_size - 1)
    assert whole_file_items(source, "value") is None
    assert list(json_items(source, NoProgress(), PREFIX)) == [
        ("$.value[0]", {"id": "1", "displayName": "Ann"})
    ]
