"""Persistent travel-matrix cache: one file per origin row, keyed by provider fingerprint.

A weekly re-run with mostly the same patients reads the known rows and computes
only what is new: full rows for new origins, and just the new columns for known
origins (a road provider runs those on the reversed graph from the new
destinations). Layout::

    <cache_dir>/matrices/.salt                                   32 random bytes, this cache's own
    <cache_dir>/matrices/<fingerprint>/r2/<xx>/<origin hash>.row
    <cache_dir>/matrices/<fingerprint>/.lock

Patient homes are health data, so the cache holds no coordinates in clear:
points are identified by a keyed hash (BLAKE2b keyed with the cache's random
salt) of their 1e-6° key, in file names and inside the rows alike; folders are
``0700`` and files ``0600``. Rows of the earlier layout (``rows/``, named after
the coordinates) are deleted on the next write.

Safe for concurrent runs: rows are written to a temp file and ``os.replace``-d
(readers never see half a file), and writers merge with what is on disk under
an exclusive file lock, so no run drops another's columns. Every row carries a
SHA-256 checksum; a corrupt row is discarded and recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geodata.travel import _rowfile
from geodata.travel._geo import point_keys
from geodata.travel._lock import FileLock
from geodata.travel.base import TravelMatrix

log = logging.getLogger(__name__)

#: Environment variable that overrides the default cache folder.
CACHE_ENV: str = "HAIPLAN_CACHE_DIR"

#: Salt length (bytes) of a cache's keyed hash.
SALT_BYTES: int = 32
_ROWS = "r2"  # rows named by keyed hashes; "rows" held files named after coordinates
_LEGACY_ROWS = "rows"

#: ``compute(origins, destinations) -> TravelMatrix`` on ``(n, 2)`` (lat, lon) arrays.
ComputeFn = Callable[[np.ndarray, np.ndarray], TravelMatrix]


def default_cache_dir() -> Path:
    """``$HAIPLAN_CACHE_DIR`` if set, else ``~/.cache/haiplan``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "haiplan"


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The explicit folder when given, else :func:`default_cache_dir`."""
    return Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()


@dataclass(frozen=True)
class CacheStats:
    """What one :meth:`MatrixCache.matrix` call found and computed (unique points).

    Attributes
    ----------
    origins, destinations
        Unique origins and destinations asked for.
    rows_hit
        Origins whose every asked destination was cached.
    rows_computed
        Origins computed in full (not cached).
    rows_extended
        Cached origins that lacked some destinations.
    cols_computed
        Destinations computed for the extended origins.
    corrupt_rebuilt
        Row files that failed their checksum and were recomputed.
    """

    origins: int = 0
    destinations: int = 0
    rows_hit: int = 0
    rows_computed: int = 0
    rows_extended: int = 0
    cols_computed: int = 0
    corrupt_rebuilt: int = 0


class MatrixCache:
    """Disk cache of travel matrices (see module docstring).

    Parameters
    ----------
    cache_dir
        Root folder; :func:`default_cache_dir` when None.
    """

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.root = resolve_cache_dir(cache_dir) / "matrices"
        self.last_stats = CacheStats()
        self._salt: bytes | None = None

    def __repr__(self) -> str:
        return f"MatrixCache({str(self.root)!r})"

    def folder(self, fingerprint: str) -> Path:
        """Folder of one provider's rows."""
        return self.root / fingerprint

    def salt(self) -> bytes:
        """This cache's random salt (``<root>/.salt``, mode 0600), created on first use.

        Concurrent first runs agree on one salt: each writes a private temp file
        and hard-links it into place; the loser reads the winner's.
        """
        if self._salt is None:
            path = self.root / ".salt"
            salt = _read_salt(path)
            if salt is None:
                _rowfile.private_dir(self.root)
                fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".salt-", suffix=".tmp")  # mode 0600
                try:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(os.urandom(SALT_BYTES))
                    try:
                        os.link(tmp, path)
                    except FileExistsError:  # another run's salt, or a damaged one
                        # only a damaged salt is replaced (a new salt orphans the old rows): unlinking
                        # whatever was there removed a concurrent first run's salt before it read it back
                        if _read_salt(path) is None:
                            os.replace(tmp, path)
                finally:
                    Path(tmp).unlink(missing_ok=True)
                salt = _read_salt(path)
                if salt is None:
                    raise OSError(f"cannot create the travel-cache salt in {self.root}")
            self._salt = salt
        return self._salt

    def hashed_keys(self, point_keys: np.ndarray) -> np.ndarray:
        """Keyed 64-bit hashes (int64) of point keys: stable for this cache, opaque elsewhere."""
        keys = np.asarray(point_keys, dtype=np.int64)
        uniq, inv = np.unique(keys, return_inverse=True)
        salt = self.salt()
        hashed = np.array(
            [int.from_bytes(hashlib.blake2b(int(k).to_bytes(8, "little", signed=True), key=salt,
                                            digest_size=8).digest(), "little", signed=True) for k in uniq],
            dtype=np.int64,
        )
        return hashed[inv.reshape(keys.shape)] if uniq.size else keys.copy()

    def row_path(self, fingerprint: str, point_key: int) -> Path:
        """File of the row of the origin whose point key (``_geo.point_keys``) is ``point_key``."""
        return self._row_file(fingerprint, int(self.hashed_keys(np.array([point_key]))[0]))

    def _row_file(self, fingerprint: str, hashed_key: int) -> Path:
        name = f"{hashed_key & 0xFFFF_FFFF_FFFF_FFFF:016x}"
        return self.folder(fingerprint) / _ROWS / name[-2:] / f"{name}.row"

    def _read(self, path: Path) -> tuple[_rowfile.Row | None, bool]:
        try:
            return _rowfile.read(path), False
        except (_rowfile.CorruptRowError, OSError) as exc:
            log.warning("discarding corrupt travel-cache row %s (%s); it will be recomputed", path, exc)
            path.unlink(missing_ok=True)
            return None, True

    def matrix(
        self,
        fingerprint: str,
        compute: ComputeFn,
        origins: np.ndarray,
        destinations: np.ndarray,
        *,
        with_snap: bool = True,
    ) -> TravelMatrix:
        """Cached matrix between ``(n, 2)`` (lat, lon) arrays, computing only what is missing.

        Parameters
        ----------
        fingerprint
            The provider's :meth:`fingerprint` (parameters and graph).
        compute
            Computes an uncached block.
        origins, destinations
            Validated point arrays.
        with_snap
            Whether the provider reports access-leg lengths (``snap_km``).
        """
        okeys, dkeys = self.hashed_keys(point_keys(origins)), self.hashed_keys(point_keys(destinations))
        uo, o_first, o_inv = np.unique(okeys, return_index=True, return_inverse=True)
        ud, d_first, d_inv = np.unique(dkeys, return_index=True, return_inverse=True)
        p_o, p_d = origins[o_first], destinations[d_first]
        no, nd = uo.size, ud.size
        minutes = np.full((no, nd), np.nan)
        km = np.full((no, nd), np.nan)
        have = np.zeros((no, nd), dtype=bool)
        o_snap = np.full(no, np.nan)
        d_snap = np.full(nd, np.nan)
        existing = np.zeros(no, dtype=bool)
        corrupt = 0

        for i, key in enumerate(uo):
            row, bad = self._read(self._row_file(fingerprint, int(key)))
            corrupt += bad
            if row is None:
                continue
            existing[i] = True
            o_snap[i] = row.origin_snap_km
            if row.dest_keys.size == 0:
                continue
            pos = np.minimum(np.searchsorted(row.dest_keys, ud), row.dest_keys.size - 1)
            found = row.dest_keys[pos] == ud
            at = pos[found]
            minutes[i, found] = row.minutes[at]
            km[i, found] = row.km[at]
            d_snap[found] = row.dest_snap_km[at]
            have[i] = found

        complete = have.all(axis=1)
        new_rows = np.flatnonzero(~existing)
        ext_rows = np.flatnonzero(existing & ~complete)
        ext_cols = np.flatnonzero(~have[ext_rows].all(axis=0)) if ext_rows.size else np.empty(0, dtype=np.int64)
        written: dict[int, np.ndarray] = {}  # unique-origin index -> unique-destination indices computed

        def fill(rows: np.ndarray, cols: np.ndarray) -> None:
            tm = compute(p_o[rows], p_d[cols])
            minutes[np.ix_(rows, cols)] = tm.minutes
            km[np.ix_(rows, cols)] = tm.km
            if tm.snap_km is not None:
                o_snap[rows] = tm.snap_km[0]
                d_snap[cols] = tm.snap_km[1]
            for r in rows:
                written[int(r)] = cols

        if new_rows.size:
            fill(new_rows, np.arange(nd))
        if ext_rows.size and ext_cols.size:
            fill(ext_rows, ext_cols)
        if written:
            self._write(fingerprint, uo, ud, written, minutes, km, o_snap, d_snap)

        self.last_stats = CacheStats(
            origins=int(no), destinations=int(nd), rows_hit=int(complete.sum()),
            rows_computed=int(new_rows.size), rows_extended=int(ext_rows.size),
            cols_computed=int(ext_cols.size), corrupt_rebuilt=int(corrupt),
        )
        snap = (o_snap[o_inv], d_snap[d_inv]) if with_snap else None
        return TravelMatrix(minutes=minutes[np.ix_(o_inv, d_inv)], km=km[np.ix_(o_inv, d_inv)], snap_km=snap)

    def _write(
        self,
        fingerprint: str,
        uo: np.ndarray,
        ud: np.ndarray,
        written: dict[int, np.ndarray],
        minutes: np.ndarray,
        km: np.ndarray,
        o_snap: np.ndarray,
        d_snap: np.ndarray,
    ) -> None:
        folder = _rowfile.private_dir(self.folder(fingerprint))
        for own in (self.root, folder):  # folders of an earlier version may be world-listable
            with contextlib.suppress(OSError):  # not ours to change: still usable
                os.chmod(own, 0o700)
        with FileLock(folder / ".lock"):
            legacy = folder / _LEGACY_ROWS
            if legacy.is_dir():  # the earlier layout named rows after coordinates
                shutil.rmtree(legacy, ignore_errors=True)
            for i, cols in written.items():
                new = _rowfile.Row(
                    origin_key=int(uo[i]), origin_snap_km=float(o_snap[i]), dest_keys=ud[cols],
                    minutes=minutes[i, cols], km=km[i, cols], dest_snap_km=d_snap[cols],
                )
                path = self._row_file(fingerprint, int(uo[i]))
                old, _ = self._read(path)  # another run may have added columns meanwhile
                _rowfile.write(path, old.merged(new) if old is not None else new)

    def clear(self, fingerprint: str | None = None) -> None:
        """Delete one provider's rows, or every cached matrix (the salt too)."""
        self._salt = None if fingerprint is None else self._salt
        target = self.folder(fingerprint) if fingerprint else self.root
        shutil.rmtree(target, ignore_errors=True)


def _read_salt(path: Path) -> bytes | None:
    """The salt stored at ``path``; None when absent or not :data:`SALT_BYTES` long."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return data if len(data) == SALT_BYTES else None
