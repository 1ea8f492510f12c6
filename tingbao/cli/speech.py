"""Commands for checking how the paper is read aloud: `tingbao lexicon`, `say` and `script`.

`lexicon add|remove|list` keeps the editors' readings (store/lexicon.py); the worker
re-reads only the issues holding a changed word, and of them only the pieces holding it.
`say TEXT` and `script ARTICLE_ID` print the spoken form, each lexicon word shown as
homophone(pinyin); `--play FILE` also writes it as an MP3 in the deployment's voice.
A word or reading with a control or private-use character or markup is refused in one line
(chinese/lexicon.py); every line that echoes a word escapes its hidden characters
(chinese/characters.py), so no word can drive the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tingbao.paper.errors import NotFoundError

# Each command imports what it uses when it runs: adding them to the command line stays cheap.
if TYPE_CHECKING:
    from tingbao.audio.script import Script
    from tingbao.chinese.lexicon import Entry
    from tingbao.worker.settings import Settings


def _entry_line(entry: Entry, default: bool) -> str:
    from tingbao.chinese.characters import printable
    from tingbao.chinese.pinyin import tone_marks

    where = "  (surname: only in names)" if entry.context == "surname" else ""
    origin = "default" if default else "editor"
    word, homophone = printable(entry.word), printable(entry.homophone)
    return f"{word}\t{homophone}\t{tone_marks(entry.pinyin)}\t{origin}{where}"


def cmd_lexicon(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.chinese.characters import printable
    from tingbao.chinese.lexicon import parse_reading
    from tingbao.chinese.pinyin import tone_marks
    from tingbao.cli.context import open_context

    # Checked before the database is opened: a refused reading needs no database.
    entry = parse_reading(args.word, " ".join(args.reading)) if args.action == "add" else None
    with open_context(settings) as ctx:
        store = ctx.lexicon
        if entry is not None:
            store.add(entry, by="cli")
            said = f"{printable(entry.homophone)} ({tone_marks(entry.pinyin)})"
            print(f"{printable(entry.word)} is read {said}")
            print("the worker reads again the articles that hold it")
        elif args.action == "remove":
            if not store.remove(args.word, by="cli"):
                raise NotFoundError(f"{args.word!r} is not in the lexicon (see `tingbao lexicon`)")
            print(f"removed {printable(args.word)}")
        else:
            lexicon = store.lexicon()
            for entry in lexicon.entries():
                print(_entry_line(entry, lexicon.is_default(entry.word)))
    return 0


def _print_script(script: Script) -> None:
    from tingbao.audio.marks import shown
    from tingbao.chinese.characters import printable

    for part in script.parts:
        if part.chapter:
            print(f"## {printable(part.chapter)}")
        for line in part.lines:
            print(printable(shown(line.spoken)))
        print(f"   [{part.pause_ms} ms]")


async def _play(script: Script, settings: Settings, path: str) -> str:
    from tingbao.audio.engines import make_synthesizers
    from tingbao.audio.master import loudness_as_heard
    from tingbao.publish.publisher import atomic_write_bytes

    audio = settings.audio
    engines = make_synthesizers(audio)
    try:  # the online voice, falling back to the offline one, as the worker does
        rendered, _ = await engines.render(script, audio.voice, "+0%", audio.tts_chunk_chars)
    finally:
        engines.close()
    frames, loudness = await asyncio.to_thread(loudness_as_heard, rendered.frames, rendered.heard)
    atomic_write_bytes(Path(path), frames)
    return (
        f"wrote {path}: {rendered.duration_s:.1f} s by the {rendered.engine} voice, "
        f"{loudness.lufs:.1f} LUFS, true peak {loudness.true_peak_db:.1f} dBTP"
    )


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.audio.marks import shown
    from tingbao.audio.script import Part, Script
    from tingbao.audio.text import lines_of
    from tingbao.chinese.characters import printable
    from tingbao.cli.context import open_context

    with open_context(settings) as ctx:
        lexicon = ctx.lexicon.lexicon()
    text = " ".join(args.text)
    lines = lines_of(text, settings.audio.tts_chunk_chars, lexicon)
    for line in lines:
        print(printable(shown(line.spoken)))
    if args.play:
        script = Script(text[:40], (Part(lines, 0),))
        print(asyncio.run(_play(script, settings, args.play)))
    return 0


def cmd_script(args: argparse.Namespace, settings: Settings) -> int:
    from tingbao.audio.script import article_script
    from tingbao.cli.context import open_context

    with open_context(settings) as ctx:
        found = ctx.issues.find_article(args.article)
        lexicon = ctx.lexicon.lexicon()
    if found is None:
        raise NotFoundError(f"no article {args.article!r} (see `tingbao show ISSUE`)")
    script = article_script(found[1], settings.audio.tts_chunk_chars, lexicon)
    _print_script(script)
    if args.play:
        print(asyncio.run(_play(script, settings, args.play)))
    return 0


def add_speech_commands(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `lexicon`, `say` and `script` to the command line; add_parser is the `add_parser` of
    what the command line's `add_subparsers()` returned."""
    p = add_parser("lexicon", help="list, add or remove how words are read aloud")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    p.set_defaults(handler=cmd_lexicon, action="list")
    add = actions.add_parser("add", help="add or change a reading: WORD 新庄 | xin1 zhuang1")
    add.add_argument("word")
    add.add_argument("reading", nargs="+", help="a homophone, pinyin with tones, or both")
    remove = actions.add_parser("remove", help="remove a reading (a default one stays removed)")
    remove.add_argument("word")
    actions.add_parser("list", help="list every reading (the default)")

    p = add_parser("say", help="print how TEXT is read aloud")
    p.add_argument("text", nargs="+")
    p.add_argument("--play", metavar="FILE.mp3", help="also write it as audio")
    p.set_defaults(handler=cmd_say)

    p = add_parser("script", help="print how an article is read aloud")
    p.add_argument("article", help="article id, as `tingbao show ISSUE --json` lists it")
    p.add_argument("--play", metavar="FILE.mp3", help="also write it as audio")
    p.set_defaults(handler=cmd_script)
