"""LSP positions: character offsets <-> (line, UTF-16 column), CRLF and tabs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cwm_lsp.source import PythonDocument, utf16_len


def test_utf16_len_counts_astral_characters_as_two_units() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("漢字") == 2
    assert utf16_len("😀") == 2
    assert utf16_len("a😀b") == 4


def test_lines_carry_no_line_breaks_whatever_the_file_uses() -> None:
    doc = PythonDocument("a = 1\r\nb = 2\rc = 3\nd = 4\r\n")
    assert doc.lines == ["a = 1", "b = 2", "c = 3", "d = 4", ""]


def test_positions_in_a_crlf_file_map_to_offsets_in_the_original_text() -> None:
    text = "def f():\r\n    x = 1\r\n    return x\r\n"
    doc = PythonDocument(text)
    offset = text.index("return")
    assert doc.to_lsp(offset) == (2, 4)
    assert doc.from_lsp(2, 4) == offset
    # the "\n" of a "\r\n" belongs to the end of its line
    assert doc.to_lsp(text.index("\r\n") + 1) == (0, 8)


def test_function_lines_in_a_crlf_file_match_an_lf_file() -> None:
    source = "import os\n\ndef f(a):\n    b = a\n    return b\n"
    lf = PythonDocument(source).functions()[0]
    crlf = PythonDocument(source.replace("\n", "\r\n")).functions()[0]
    assert (crlf.def_line, crlf.end_line, crlf.body_names) == (
        lf.def_line,
        lf.end_line,
        lf.body_names,
    )
    assert crlf.text == lf.text.replace("\n", "\r\n")


def test_tabs_count_as_one_column_and_indent_functions() -> None:
    text = "class A:\n\tdef m(self):\n\t\treturn 1\n"
    doc = PythonDocument(text)
    (method,) = doc.functions()
    assert (method.qualname, method.def_line, method.end_line) == ("A.m", 2, 3)
    assert doc.to_lsp(text.index("return")) == (2, 2)


def test_columns_after_emoji_and_cjk_are_utf16_units() -> None:
    text = "s = '😀'; t = '漢'; u = 1\n"
    doc = PythonDocument(text)
    offset = text.index("u =")
    assert doc.to_lsp(offset) == (0, offset + 1)  # the emoji is two units
    assert doc.from_lsp(0, offset + 1) == offset


def test_non_ascii_text_before_a_function_keeps_its_lines_and_text() -> None:
    text = "# 😀 漢字 émoji\nS = '𝔘𝔫𝔦'\n\ndef f(ñ):\n    return ñ\n"
    (f,) = PythonDocument(text).functions()
    assert (f.def_line, f.params, f.text) == (4, ("ñ",), "def f(ñ):\n    return ñ")
    assert text.encode()[f.start_byte : f.end_byte].decode() == f.text


def test_out_of_range_positions_are_clamped() -> None:
    doc = PythonDocument("ab\ncd\n")
    assert doc.from_lsp(0, 99) == 2
    assert doc.from_lsp(99, 0) == len(doc.text)
    assert doc.from_lsp(-1, 0) == 0
    assert doc.to_lsp(999) == (2, 0)
    assert doc.to_lsp(-5) == (0, 0)


def test_a_column_inside_a_surrogate_pair_means_that_character() -> None:
    doc = PythonDocument("😀x")
    assert doc.from_lsp(0, 1) == 0
    assert doc.from_lsp(0, 2) == 1


PIECES = st.characters(codec="utf-8") | st.sampled_from(["\r\n", "\r", "\n", "😀", "漢", "\t"])


@given(st.lists(PIECES, max_size=40).map("".join))
def test_every_offset_survives_a_round_trip_through_lsp_positions(text: str) -> None:
    doc = PythonDocument(text)
    for offset in range(len(text) + 1):
        inside_crlf = 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n"
        if not inside_crlf:
            assert doc.from_lsp(*doc.to_lsp(offset)) == offset
