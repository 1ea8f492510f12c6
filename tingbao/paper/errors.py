"""The root of tingbao's exceptions, and those of the parts that have no tree of their own
(reading, chinese, store, settings). The publish part's family hangs under PaperError in
publish/errors.py; audio, feeds, bot, phone and worker have their own roots in their errors.py.

PaperError
 ├── InputError            the file cannot be read as an issue (the editor must fix it)
 │    ├── EmptyInputError       nothing but white space
 │    ├── TooLargeError         over the configured size limit
 │    │    ├── TooManyPagesError     more pages than TINGBAO_MAX_PAGES (counted before reading)
 │    │    └── TooLongError          an article or a paragraph longer than its limit
 │    ├── UndecodableError      neither UTF-8 nor GB18030, or binary
 │    ├── PdfEncryptedError     needs a password
 │    ├── PdfCorruptError       truncated or damaged
 │    ├── PdfTimeoutError       the parser took too long or too much memory
 │    ├── DocxEncryptedError    a Word file with a password (an OLE file, not a zip)
 │    ├── DocxCorruptError      a damaged or truncated Word file
 │    ├── DocxNotWordError      a zip archive without a Word document inside
 │    ├── DocxBombError         a Word file that would unpack too large (a zip bomb)
 │    ├── ImageError            not an image, or a damaged or truncated one
 │    │    └── ImageTooLargeError    more pixels than Pillow's decompression-bomb limit
 │    ├── OcrError              a scan or photo that OCR cannot read
 │    │    ├── OcrNoTextError        no text found (a blank page, a blurred photo)
 │    │    └── OcrTimeoutError       OCR took too long or too much memory
 │    ├── NoArticlesError       readable, but no article was found
 │    ├── FutureDateError       a given or file-name date too far after today (2099-12-31)
 │    └── LexiconError          a word or reading an editor gave the lexicon cannot take (`code`)
 │         ├── UnsafeTextError       a control, format or private-use character, or markup
 │         │                         (< > & [ ]), in the word or the reading
 │         ├── BadWordError          the word: no Chinese character, or too long
 │         └── BadReadingError       the reading: missing, neither Chinese nor pinyin, a count
 │              │                    unlike the word's, or a homophone not read as the pinyin
 │              ├── BadPinyinError        not Mandarin syllables with tones 1-5
 │              └── UnknownReadingError   a homophone with no known reading, or a reading no
 │                                        common character has alone (give the other form)
 ├── PublishError          public files cannot be written or read (publish/errors.py)
 ├── DatabaseError         the database cannot be opened (DATABASE_URL: malformed, unreachable,
 │                         the login refused)
 ├── SettingsError         a setting has a bad value
 └── NotFoundError         no such issue or article in the store

ReadingCancelledError is no PaperError and no Exception: it is a BaseException, as
asyncio.CancelledError is. The process is stopping (SIGTERM) and killed the reader's child; that
says nothing about the file, so the `except Exception` boundaries that move a bad file to failed/
must let it through, and the file stays in the inbox for the next start.
"""

from __future__ import annotations

from typing import Literal

WordCode = Literal["no_chinese", "word_too_long"]
ReadingCode = Literal[
    "no_reading",  # nothing after the word
    "bad_characters",  # the reading holds something neither Chinese nor pinyin
    "syllable_count",  # syllables != the word's Chinese characters
    "homophone_count",  # the homophone's Chinese characters != the word's
    "homophone_mismatch",  # homophone and pinyin both given, and they differ
]
PinyinCode = Literal["no_tone", "bad_syllable"]
UnknownReadingCode = Literal["homophone_unknown", "no_homophone"]
UnsafeCode = Literal[
    "control_character",  # a control or format character (ESC, BEL, a line break, bidi)
    "private_use",  # a private-use character (the marks of spoken text)
    "markup",  # < > & [ ]: SSML, HTML or the offline voice's phoneme brackets
]
LexiconCode = WordCode | ReadingCode | PinyinCode | UnknownReadingCode | UnsafeCode


class PaperError(Exception):
    """Base of every error of the paper part."""


class InputError(PaperError):
    """The input file cannot be turned into an issue; the message says why and what to do."""


class EmptyInputError(InputError):
    """The file holds no text."""


class TooLargeError(InputError):
    """The file is over the size limit."""


class TooManyPagesError(TooLargeError):
    """The PDF has more pages than the page limit."""


class TooLongError(TooLargeError):
    """An article or a paragraph is longer than its limit."""


class UndecodableError(InputError):
    """The bytes are not text in a known encoding."""


class PdfEncryptedError(InputError):
    """The PDF needs a password."""


class PdfCorruptError(InputError):
    """The PDF is truncated or damaged."""


class PdfTimeoutError(InputError):
    """Reading the PDF exceeded its time or memory limit."""


class DocxEncryptedError(InputError):
    """The Word file is protected by a password."""


class DocxCorruptError(InputError):
    """The Word file is truncated or damaged."""


class DocxNotWordError(InputError):
    """The file is a zip archive but holds no Word document."""


class DocxBombError(InputError):
    """The Word file would unpack to more than the limit, or is packed suspiciously tightly."""


class ImageError(InputError):
    """The image cannot be decoded: not an image, or damaged or truncated."""


class ImageTooLargeError(ImageError):
    """The image has more pixels than Pillow's decompression-bomb limit."""


class OcrError(InputError):
    """A scan or photo could not be read by OCR."""


class OcrNoTextError(OcrError):
    """OCR found no text at all."""


class OcrTimeoutError(OcrError):
    """OCR exceeded its time or memory limit."""


class NoArticlesError(InputError):
    """The text was read but no article could be found in it."""


class FutureDateError(InputError):
    """The publication date given or in the file name is too far after today."""


class LexiconError(InputError):
    """A word or reading an editor gave cannot be used; `code` says which rule it broke."""

    def __init__(self, code: LexiconCode, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code: LexiconCode = code
        self.detail = detail  # the piece at fault, for the bot's Chinese wording


class UnsafeTextError(LexiconError):
    """The word or reading holds a character that is no part of how a word is written or said."""

    def __init__(self, code: UnsafeCode, message: str, detail: str = "") -> None:
        super().__init__(code, message, detail)


class BadWordError(LexiconError):
    """The word has no Chinese character, or is too long."""

    def __init__(self, code: WordCode, message: str, detail: str = "") -> None:
        super().__init__(code, message, detail)


class BadReadingError(LexiconError):
    """The reading is missing, malformed, or does not fit the word."""

    def __init__(
        self, code: ReadingCode | PinyinCode | UnknownReadingCode, message: str, detail: str = ""
    ) -> None:
        super().__init__(code, message, detail)


class BadPinyinError(BadReadingError):
    """The text is not Mandarin syllables with tones 1-5."""

    def __init__(self, code: PinyinCode, message: str, detail: str = "") -> None:
        super().__init__(code, message, detail)


class UnknownReadingError(BadReadingError):
    """pypinyin's data cannot turn one form of the reading into the other."""

    def __init__(self, code: UnknownReadingCode, message: str, detail: str = "") -> None:
        super().__init__(code, message, detail)


class DatabaseError(PaperError):
    """The database cannot be opened; the message says why in one line, without the password."""


class SettingsError(PaperError):
    """A setting has a value that cannot be used."""


class NotFoundError(PaperError):
    """The requested issue or article is not in the store."""


class ReadingCancelledError(BaseException):
    """The process is stopping: the reader's child was killed, the file was not judged."""
