"""When each sentence of a piece is said, from the engine's sentence timings (pure)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from tingbao.audio.speech import Boundary


def _anchors(
    text: str, boundaries: Sequence[Boundary], duration_s: float
) -> list[tuple[int, float]]:
    """Return (character index, time) points, rising in both, from the reported sentences."""
    points: list[tuple[int, float]] = [(0, 0.0)]
    cursor = 0
    for boundary in boundaries:
        needle = boundary.text.strip()
        found = text.find(needle, cursor) if needle else -1
        start = found if found >= 0 else cursor
        end = min(len(text), start + len(needle))
        for index, time in ((start, boundary.start_s), (end, boundary.end_s)):
            last_index, last_time = points[-1]
            if index >= last_index and time >= last_time:
                points.append((index, min(time, duration_s)))
        cursor = end
    if len(text) > points[-1][0]:
        points.append((len(text), max(duration_s, points[-1][1])))
    return points


def _time_at(points: list[tuple[int, float]], index: int, *, start: bool) -> float:
    """Return the time at a character index; where a silence sits there, a start takes its end."""
    keys = [p[0] for p in points]
    if start:
        i = bisect_right(keys, index) - 1
        if keys[i] == index or i == len(points) - 1:
            return points[i][1]
    else:
        i = bisect_left(keys, index)
        if i == len(points):
            return points[-1][1]
        if keys[i] == index:
            return points[i][1]
        i -= 1
    (x0, t0), (x1, t1) = points[i], points[i + 1]
    return t0 + (t1 - t0) * (index - x0) / (x1 - x0)


def line_times(
    lines: Sequence[str], boundaries: Sequence[Boundary], duration_s: float
) -> list[tuple[float, float]]:
    """Return (start, end) seconds of each line of a piece whose text is the lines joined."""
    text = "".join(lines)
    points = _anchors(text, boundaries, duration_s)
    out: list[tuple[float, float]] = []
    position = 0
    for line in lines:
        start = _time_at(points, position, start=True)
        position += len(line)
        end = _time_at(points, position, start=False)
        out.append((round(start, 3), round(max(end, start), 3)))
    return out
