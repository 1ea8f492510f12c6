"""Child process: extract the positioned words of a PDF with font sizes and names, as JSON on stdout.

PDF parsers have had hangs and CVEs, so this runs in its own process under a memory and CPU limit
set before the parser is imported; the parent kills it when it takes too long.
Usage: python -m tingbao.paper.pdf_extract FILE MEMORY_MB CPU_SECONDS
"""

from __future__ import annotations

import json
import resource
import sys
from typing import Any


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _error(kind: str, detail: str) -> dict[str, Any]:
    return {"ok": False, "error": kind, "detail": detail[:300]}


def extract(path: str) -> dict[str, Any]:
    """Return the lines of every page, or an error kind: encrypted, corrupt, memory."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    pages: list[dict[str, Any]] = []
    try:
        with pdfplumber.open(path, password="") as pdf:
            for page in pdf.pages:
                words = page.extract_words(
                    keep_blank_chars=True,
                    use_text_flow=False,
                    extra_attrs=["size", "fontname"],
                )
                pages.append(
                    {
                        "width": float(page.width),
                        "height": float(page.height),
                        "words": [
                            [
                                w["text"],
                                round(w["x0"], 2),
                                round(w["top"], 2),
                                round(w["x1"], 2),
                                round(w["bottom"], 2),
                                round(w["size"], 2),
                                w["fontname"],
                            ]
                            for w in words
                            if w["text"].strip()
                        ],
                    }
                )
                page.close()
    except MemoryError:
        return _error("memory", "out of memory")
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        return _error("encrypted", repr(exc))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            return _error("encrypted", repr(cause))
        return _error("corrupt", repr(cause))
    except Exception as exc:  # any parser failure means a damaged file, reported to the parent
        return _error("corrupt", repr(exc))
    return {"ok": True, "pages": pages}


def main() -> None:
    path, memory_mb, cpu_seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    _limit(memory_mb, cpu_seconds)
    result = extract(path)
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
