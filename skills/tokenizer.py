"""The VLA's word-level tokenizer, built offline from the skill templates and a lexicon.

No hub download: the vocabulary is every word of the built-in prompt templates plus the
colours, shapes and object nouns the domains use.  It is a ``tokenizers`` WordLevel model
wrapped in :class:`transformers.PreTrainedTokenizerFast`, saved with each checkpoint
(``tokenizer.json`` + ``tokenizer_config.json``).  Unknown words map to ``<unk>``.
"""
from __future__ import annotations

import random
import re
from collections.abc import Iterable
from functools import cache

from tokenizers import Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordLevel
from transformers import PreTrainedTokenizerFast

from vlaplan.skills.library import BUILTIN_SKILLS

PAD, UNK, BOS, EOS, IMAGE = "<pad>", "<unk>", "<bos>", "<eos>", "<image>"
SPECIAL_TOKENS: tuple[str, ...] = (PAD, UNK, BOS, EOS, IMAGE)

COLOURS = ("red", "green", "blue", "yellow", "orange", "purple", "white", "black")
SHAPES = ("cube", "cylinder", "box")
NOUNS = (
    "block", "blocks", "cube", "cubes", "object", "thing", "one", "brick", "can", "tin",
    "cylinder", "cylinders", "box", "boxes", "drawer", "bin", "basket", "container", "table",
    "tray", "it", "of", "the", "a", "an", "and", "then", "into", "onto", "in", "on", "from",
    "out", "up", "down", "top", "with", "to", "small", "large", "big", "little", "flat",
)
NUMBERS = tuple(str(i) for i in range(10))
PUNCTUATION = (",", ".", "!", "?", ";", "'", "-")
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def words_of(text: str) -> list[str]:
    """Split text the way the tokenizer does (lower case, words and punctuation)."""
    return _WORD.findall(text.lower())


def vocabulary(extra_words: Iterable[str] = ()) -> list[str]:
    """Special tokens first, then every known word, sorted (deterministic ids)."""
    words: set[str] = set(COLOURS) | set(SHAPES) | set(NOUNS) | set(NUMBERS) | set(PUNCTUATION)
    words |= template_words()
    for word in extra_words:
        words.update(words_of(word))
    words.difference_update(SPECIAL_TOKENS)
    return [*SPECIAL_TOKENS, *sorted(words)]


def build_tokenizer(extra_words: Iterable[str] = ()) -> PreTrainedTokenizerFast:
    """A fresh word-level tokenizer over :func:`vocabulary`."""
    vocab = {word: i for i, word in enumerate(vocabulary(extra_words))}
    core = Tokenizer(WordLevel(vocab, unk_token=UNK))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token=PAD, unk_token=UNK, bos_token=BOS, eos_token=EOS,
        extra_special_tokens={"image_token": IMAGE}, model_max_length=64)


def image_token_id(tokenizer: PreTrainedTokenizerFast) -> int:
    """Id of the ``<image>`` placeholder token."""
    token_id = tokenizer.convert_tokens_to_ids(IMAGE)
    if token_id is None or token_id == tokenizer.unk_token_id:
        raise KeyError("tokenizer has no <image> token")
    return int(token_id)


@cache
def template_words() -> frozenset[str]:
    """Words of the built-in prompt templates (not their ``{0}``/``{1}`` descriptions);
    computed once (word dropout asks for them for every prompt of every batch)."""
    words: set[str] = set()
    for skill in BUILTIN_SKILLS:
        for template in skill.templates:
            words.update(words_of(template.replace("{0}", " ").replace("{1}", " ")))
    return frozenset(words)


def drop_words(text: str, rate: float, rng: random.Random,
               droppable: frozenset[str] | None = None) -> str:
    """Training-time word dropout: each template word of ``text`` (see
    :func:`template_words`; the object descriptions are kept) is left out with probability
    ``rate``.  Makes the prompt condition robust to phrasings whose unknown words the
    processor leaves out (``known_words``)."""
    droppable = template_words() if droppable is None else droppable
    kept = [w for w in words_of(text) if w not in droppable or rng.random() >= rate]
    return " ".join(kept)
