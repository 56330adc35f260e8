"""`??` holes: expression and statement holes, never inside strings or comments."""

from __future__ import annotations

from cwm_lsp.source import Hole

from .conftest import MakeDoc


def test_an_expression_hole_and_a_statement_hole_are_found_with_lsp_positions(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(
        """
        def f(x):
            y = ?? + 1
            ??
            return y
        """
    )
    expression, statement = doc.holes()
    assert expression == Hole(
        start=doc.text.index("??"),
        end=doc.text.index("??") + 2,
        line=1,
        character=8,
        end_line=1,
        end_character=10,
        kind="expression",
    )
    assert (statement.line, statement.character, statement.kind) == (2, 4, "statement")
    assert doc.text[statement.start : statement.end] == "??"


def test_a_hole_with_a_trailing_comment_alone_on_its_line_is_a_statement_hole(
    make_doc: MakeDoc,
) -> None:
    doc = make_doc(
        """
        def f(x):
            ??  # fill me
            return x
        """
    )
    assert [h.kind for h in doc.holes()] == ["statement"]


def test_a_lone_hole_inside_open_brackets_is_an_expression_hole(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f(x):
            y = max(
                x,  # first
                ??
            )
            return y
        """
    )
    assert [h.kind for h in doc.holes()] == ["expression"]


def test_question_marks_in_strings_comments_and_f_strings_are_not_holes(make_doc: MakeDoc) -> None:
    doc = make_doc(
        '''
        def f(x):
            s = "what ?? now"
            t = """
            ??
            """
            u = f"{x} ??"
            # really ??
            return ??
        '''
    )
    holes = doc.holes()
    assert len(holes) == 1
    assert holes[0].line == 7
    assert holes[0].kind == "expression"


def test_three_question_marks_are_not_a_hole(make_doc: MakeDoc) -> None:
    assert make_doc("x = ???\n").holes() == []


def test_hole_columns_count_utf16_units_after_emoji_and_cjk(make_doc: MakeDoc) -> None:
    doc = make_doc('def f():\n    s = "😀漢"; t = ??\n')
    (hole,) = doc.holes()
    # 4 spaces + 's = "' (5) + 😀 (2 units) + 漢 (1) + '"; t = ' (7) = 19
    assert (hole.line, hole.character, hole.end_character) == (1, 19, 21)
    assert doc.from_lsp(hole.line, hole.character) == hole.start


def test_holes_in_a_crlf_file_have_offsets_into_the_original_text(make_doc: MakeDoc) -> None:
    doc = make_doc(
        """
        def f(x):
            y = ??
            ??
            return y
        """,
        newline="\r\n",
    )
    first, second = doc.holes()
    assert doc.text[first.start : first.end] == "??"
    assert doc.text[second.start : second.end] == "??"
    assert (first.line, first.character) == (1, 8)
    assert (second.line, second.character, second.kind) == (2, 4, "statement")
