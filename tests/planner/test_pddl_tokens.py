"""The fast tokenizer gives pddlpy's ANTLR lexer's tokens exactly, or defers to it."""
import random

from antlr4 import CommonTokenStream, InputStream
from antlr4.error.ErrorListener import ErrorListener
from pddlpy.pddlLexer import pddlLexer

from planner_oracle import DATA, ROOT
from test_pddl_fuzz import mutate
from vlaplan.planner.tokens import (LITERAL_NAMES, NAME, NUMBER, REQUIRE_KEY, VARIABLE,
                                    fast_token_stream, scan)

FILES = sorted(ROOT.glob("domains/*/domain.pddl")) + sorted(ROOT.glob("domains/*/problems/*.pddl")) \
    + sorted(DATA.glob("*.pddl"))


class _Raise(ErrorListener):
    def syntaxError(self, *args):
        raise ValueError("token recognition error")


def _fields(stream):
    return [(t.type, t.text, t.line, t.column, t.start, t.stop, t.tokenIndex, t.channel)
            for t in stream.tokens]


def antlr_tokens(text):
    lexer = pddlLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(_Raise())
    stream = CommonTokenStream(lexer)
    try:
        stream.fill()
    except ValueError:
        return None
    return _fields(stream)


def _agree(text) -> bool:
    """True if the fast path was taken (and then it must equal ANTLR's tokens)."""
    fast = fast_token_stream(text)
    if fast is None:
        return False
    assert _fields(fast) == antlr_tokens(text), repr(text)
    return True


def test_every_shipped_file_takes_the_fast_path():
    for path in FILES:
        assert _agree(path.read_text()), path
    assert _agree("") and _agree("(define (domain d)) ; comment\r\n")


def test_mutants_agree_or_defer():
    fast = 0
    for seed in range(400):
        rng = random.Random(seed)
        _, data = mutate(FILES[seed % len(FILES)].read_bytes(), rng)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        fast += _agree(text)
    assert fast > 250


def test_random_text_agrees_or_defers():
    rng = random.Random(7)
    alphabet = list("ab?:;-1.()\t\n\r =<>AZ_xé*+/,") + [
        "at", "over", "define", ":requirements", ":strips", "?duration", "either",
        "at-most-once", "<=", ">=", "total-time", ":constraints", "1.5", "\r\n"]
    fast = 0
    for _ in range(3000):
        fast += _agree("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))))
    assert fast > 100


def test_unusual_text_defers_to_antlr():
    for text in ("(a.b)", "(1a)", "(caf\u00e9)", "; note\rx", "(?)", "(a:b)"):
        assert fast_token_stream(text) is None, text


def test_literal_table_is_pddlpys():
    assert [n[1:-1] for n in pddlLexer.literalNames[1:]] == list(LITERAL_NAMES)
    assert (REQUIRE_KEY, NAME, VARIABLE, NUMBER) == (
        pddlLexer.REQUIRE_KEY, pddlLexer.NAME, pddlLexer.VARIABLE, pddlLexer.NUMBER)


def test_scan_gives_the_lexers_texts_or_defers():
    """scan() (our reader's lexer, no ANTLR) gives the lower-cased texts of ANTLR's tokens."""
    texts = [p.read_text() for p in FILES]
    for seed in range(300):
        _, data = mutate(FILES[seed % len(FILES)].read_bytes(), random.Random(seed))
        texts.append(data.decode("utf-8", errors="replace"))
    taken = 0
    for text in texts:
        chunks = scan(text)
        if chunks is None:
            continue
        taken += 1
        expected = antlr_tokens(text)
        assert expected is not None, repr(text)
        assert chunks == [t[1].lower() for t in expected if t[0] != -1], repr(text)
    assert taken > 250
