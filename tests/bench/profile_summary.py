"""Summarise a py-spy `--format raw` profile (collapsed stacks): where a bot process spends its CPU.

`python -m tests.bench.profile_summary FILE [--top N] [--grep TEXT ...]` prints the share of samples in
each part of a turn (buckets, each sample counted once, in the part deepest in its stack), then the share
that passes through each function (inclusive) and that ends in it (self). The bench records with `--gil`,
so the shares are of the time the process held the GIL, which is what limits a turn-per-core bot.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/lib/python3.11/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['function']} ({path})"


BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "connector and user-token clients built per turn (stock)",
        ("_ConnectorFactoryImpl.create", "_UserTokenClientImpl.__init__", "ClientRetryPolicy"),
    ),
    ("inbound token validation (botbuilder + PyJWT)", ("authenticate_request (bot/auth.py", "jwt/")),
    ("invoke answer serialised by msrest", ("_create_invoke_response",)),
    (
        "reply to the connector (msrest + HTTP client)",
        ("bot/http_sender.py", "operations_async", "msrest/pipeline", "requests/", "urllib3/"),
    ),
    ("activity deserialised by msrest", ("Model.deserialize", "Deserializer")),
    ("SQLAlchemy + database driver", ("sqlalchemy/", "aiosqlite/", "asyncpg/")),
    ("cards (pydantic models)", ("cards/", "pydantic")),
    ("the process (debrief/)", ("debrief/",)),
    ("outbox dispatcher", ("bot/outbox.py",)),
)
FALLBACK_BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "connector and user-token clients built per turn (stock)",
        ("_ConnectorFactoryImpl.create", "_UserTokenClientImpl.__init__", "ClientRetryPolicy"),
    ),
    ("botbuilder turn machinery", ("botbuilder/core", "core/")),
    ("aiohttp server", ("aiohttp/web_", "aiohttp/http_")),
    ("event loop", ("asyncio/",)),
)


def bucket_of(frames: list[str]) -> str:
    """The bucket whose frame is deepest in the stack; the generic ones only when no specific one matches."""
    chosen, depth = "other", -1
    for name, markers in BUCKETS:
        for index, frame in enumerate(frames):
            if index > depth and any(marker in frame for marker in markers):
                chosen, depth = name, index
    if depth >= 0:
        return chosen
    for name, markers in FALLBACK_BUCKETS:
        if any(marker in frame for frame in frames for marker in markers):
            return name
    return "other"


def summarise(path: Path, top: int, patterns: list[str]) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    matched: Counter[str] = Counter()
    buckets: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        buckets[bucket_of(stack.split(";"))] += count
        frames = [_short(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
        for pattern in patterns:
            if pattern in stack:
                matched[pattern] += count
    if total == 0:
        return f"{path}: no samples"
    lines = [f"{path}: {total} samples", "by part of the turn:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in buckets.most_common()]
    if patterns:
        lines.append("matching (inclusive):")
        lines += [f"  {100 * matched[p] / total:5.1f}%  {p}" for p in patterns]
    lines.append(f"top {top} inclusive:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append(f"top {top} self:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--grep", action="append", default=[], help="report the share of stacks containing TEXT")
    args = parser.parse_args(argv)
    for path in args.files:
        print(summarise(path, args.top, args.grep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
