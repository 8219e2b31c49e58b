"""On-disk format of one cached matrix row: one origin to many destinations (private).

Layout: ``MAGIC`` (8 bytes) | SHA-256 of the rest (32 bytes) | header
``origin_key int64, origin_snap_km float64, n int64`` | ``n`` sorted destination
keys (int64) | minutes | km | destination snap km (float64 each). Anything that
does not parse or fails the checksum is reported as corrupt. Keys are keyed
hashes of the points (see :mod:`geodata.travel.cache`), never coordinates.
Folders are created ``0700`` and files ``0600``: a cache is private to its user.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from geodata.errors import EXIT_INTERNAL, HaiplanError

MAGIC = b"HAIROW2\n"  # 2: keys are keyed hashes (rows of version 1 held coordinates)
_HEADER = struct.Struct("<qdq")
_DIGEST = 32


class CorruptRowError(HaiplanError, ValueError):
    """A row file exists but cannot be trusted (exit 3; the row is recomputed)."""

    exit_code: ClassVar[int] = EXIT_INTERNAL


@dataclass(frozen=True)
class Row:
    """Cached results from one origin: destinations sorted by key."""

    origin_key: int
    origin_snap_km: float
    dest_keys: np.ndarray
    minutes: np.ndarray
    km: np.ndarray
    dest_snap_km: np.ndarray

    def merged(self, other: Row) -> Row:
        """This row updated with ``other``'s destinations (``other`` wins on overlap)."""
        keys = np.concatenate([other.dest_keys, self.dest_keys])
        uniq, first = np.unique(keys, return_index=True)  # first occurrence = other's value
        cat = lambda a, b: np.concatenate([a, b])[first]  # noqa: E731
        return Row(
            origin_key=self.origin_key,
            origin_snap_km=other.origin_snap_km,
            dest_keys=uniq,
            minutes=cat(other.minutes, self.minutes),
            km=cat(other.km, self.km),
            dest_snap_km=cat(other.dest_snap_km, self.dest_snap_km),
        )


def encode(row: Row) -> bytes:
    """Serialise a row (destination keys must be sorted and unique)."""
    body = _HEADER.pack(int(row.origin_key), float(row.origin_snap_km), int(row.dest_keys.size))
    body += np.ascontiguousarray(row.dest_keys, dtype="<i8").tobytes()
    for arr in (row.minutes, row.km, row.dest_snap_km):
        body += np.ascontiguousarray(arr, dtype="<f8").tobytes()
    return MAGIC + hashlib.sha256(body).digest() + body


def decode(data: bytes) -> Row:
    """Parse and verify a row; ``CorruptRowError`` if it cannot be trusted."""
    if len(data) < len(MAGIC) + _DIGEST + _HEADER.size or not data.startswith(MAGIC):
        raise CorruptRowError("bad header")
    digest = data[len(MAGIC) : len(MAGIC) + _DIGEST]
    body = data[len(MAGIC) + _DIGEST :]
    if hashlib.sha256(body).digest() != digest:
        raise CorruptRowError("checksum mismatch")
    okey, osnap, n = _HEADER.unpack_from(body, 0)
    if n < 0 or len(body) != _HEADER.size + 32 * n:
        raise CorruptRowError("bad length")
    off = _HEADER.size
    keys = np.frombuffer(body, dtype="<i8", count=n, offset=off)
    arrays = [np.frombuffer(body, dtype="<f8", count=n, offset=off + 8 * n * (i + 1)) for i in range(3)]
    return Row(okey, osnap, keys, *arrays)


def read(path: Path) -> Row | None:
    """The row stored at ``path``; None if absent. Raises ``CorruptRowError``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return decode(data)


def private_dir(path: Path) -> Path:
    """``path`` as a folder, creating every missing component with mode ``0700``.

    Folders that already exist are left as they are; a folder created by a
    concurrent process meanwhile is accepted.
    """
    missing: list[Path] = []
    p = Path(path)
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask; make it exact
    return Path(path)


def write(path: Path, row: Row) -> None:
    """Write atomically (mode ``0600``): temp file in the same folder, then ``os.replace``."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".row-", suffix=".tmp")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(encode(row))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
