"""The on-disk cache of loaded policies and vocabularies.

Loading the bundled policies reads YAML, validates it against the JSON
Schemas, parses, type-checks and compiles every condition: a few hundred
milliseconds, paid by every ``rules`` command. What a load builds depends
only on the files it reads and on the engine itself, so it is kept between
processes: a pickle named by a hash of

* the engine (its version, the Python that runs it, and the size and
  modification time of every module, the grammar and the schemas),
* what was asked for (the kind of load, the file names as errors and reports
  show them, the options), and
* the bytes of every file read.

A changed file, a different selection or an upgraded engine is simply a
miss: the load runs in full and its result replaces the slot's older entry
(one entry per kind, folder and selection). Errors are never cached.
Generated condition code travels as marshalled code objects (this
interpreter only, which the key pins), so a hit compiles nothing.

Where: ``$RULES_CACHE_DIR``, else ``$XDG_CACHE_HOME/followup-rules``, else
``~/.cache/followup-rules``; ``RULES_NO_CACHE=1`` (or ``cache=False`` in
the API) turns it off. Unpickling runs code named in the file, so a cache
folder that someone else owns or may write to is never read or written, and
every entry carries a keyed hash (HMAC-SHA256) with a random per-user key
kept beside the entries (``key``, mode 0600): an entry is unpickled only if
its hash checks out, so a damaged entry (a flipped bit, a truncated write,
an edit) is never unpickled; it is deleted and built again. Temporary files
left by a killed write are removed. A cache that cannot be read or written
(a read-only home, no home at all) only costs the full load.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import stat
import sys
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar, Union

from engine.base.version import __version__

__all__ = ["CacheSetting", "cache_dir", "cached"]

T = TypeVar("T")

#: ``None``: the environment decides (on by default); ``False``: off;
#: ``True``: on, in the default folder; a path: on, in that folder.
CacheSetting = Union[bool, str, Path, None]

ENV_DIR = "RULES_CACHE_DIR"
ENV_OFF = "RULES_NO_CACHE"

_PACKAGE = Path(__file__).resolve().parent.parent   # engine/


def cache_dir(setting: CacheSetting = None) -> Path | None:
    """The cache folder for ``setting``, or None when caching is off."""
    if setting is False:
        return None
    if isinstance(setting, (str, Path)):
        return Path(setting)
    if setting is None and os.environ.get(ENV_OFF, "").strip() not in ("", "0"):
        return None
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no HOME and no entry in the password database
            return None
    return Path(base) / "followup-rules"


#: The libraries whose behaviour a load depends on (reading, validating,
#: parsing): an upgrade of one is a new engine.
_LIBRARIES = ("yaml", "_yaml", "jsonschema", "lark")


@lru_cache(maxsize=1)
def _engine_fingerprint() -> bytes:
    """The engine that builds what is cached: change any of it — its files,
    the Python running it, the libraries it reads and checks with — and
    every entry is a miss."""
    from importlib.util import find_spec

    from engine.base.resources import schemas_dir

    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0{sys.implementation.cache_tag}".encode())
    sources = sorted(list(_PACKAGE.rglob("*.py")) + list(_PACKAGE.rglob("*.lark"))
                     + list(schemas_dir().glob("*.json")))
    for name in _LIBRARIES:  # located, not imported (importing costs more than a load from the cache)
        spec = find_spec(name)
        if spec is not None and spec.origin:
            sources.append(Path(spec.origin))
    for path in sources:
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"\0{path}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return digest.digest()


def _trusted(st: os.stat_result) -> bool:
    """Ours alone: owned by this user, writable by no one else."""
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022


def _trusted_folder(directory: Path) -> bool:
    try:
        return _trusted(directory.stat())
    except OSError:
        return False


class _Pickler(pickle.Pickler):
    """Pickles compiled conditions with their generated code (see
    :meth:`engine.language.compiler.CompiledExpr.reduce_with_code`)."""

    def reducer_override(self, obj: Any) -> Any:
        from engine.language.compiler import CompiledExpr

        if type(obj) is CompiledExpr:
            return obj.reduce_with_code()
        return NotImplemented


def cached(kind: str, files: Sequence[tuple[str, Path]], options: tuple[Any, ...], build: Callable[[], T],
           expect: type[T], setting: CacheSetting = None) -> T:
    """``build()``, or what an earlier ``build()`` of the same ``kind`` from
    the same ``files`` (shown name, path) and ``options`` returned.

    ``options`` is everything else the result depends on, as plain values;
    ``expect`` the type of the result (an entry holding anything else is a miss)."""
    directory = cache_dir(setting)
    if directory is None:
        return build()
    contents = _read_inputs(files)
    if contents is None:
        return build()  # the load itself says what is wrong with the file
    slot = hashlib.sha256(_engine_fingerprint())
    slot.update(repr((kind, options, [(name, str(path.resolve())) for name, path in files])).encode())
    key = slot.copy()
    for data in contents:
        key.update(hashlib.sha256(data).digest())
    prefix = f"{kind}-{slot.hexdigest()[:16]}-"
    entry = directory / f"{prefix}{key.hexdigest()[:32]}.pickle"
    if _trusted_folder(directory):
        value = _read_entry(entry, expect)
        if isinstance(value, expect):
            return value
    result = build()
    # The files read again: one changed while it was loaded (an editor
    # saving, a checkout) would put new content under the old one's key.
    if _read_inputs(files) == contents:
        _store(directory, entry, prefix, result)
    return result


def _read_inputs(files: Sequence[tuple[str, Path]]) -> list[bytes] | None:
    """The bytes of every file, or None if one cannot be read, is not a
    regular file or is over the size limit of the loaders (the load itself
    then says what is wrong, without this reading anything first)."""
    from engine.errors import InputError
    from engine.input.documents import DEFAULT_INPUT_LIMITS
    from engine.input.reading import read_input

    contents = []
    try:
        for name, path in files:
            contents.append(read_input(path, name, DEFAULT_INPUT_LIMITS.max_bytes))
    except InputError:
        return None
    return contents


#: The first bytes of an entry: the format, then the HMAC of the rest.
_MAGIC = b"followup-rules cache 2\n"
_MAC_SIZE = hashlib.sha256().digest_size
KEY_FILE = "key"
_KEY_SIZE = 32


def _key(directory: Path, *, create: bool) -> bytes | None:
    """The folder's secret key (made if ``create`` and missing), or None
    when there is none that only this user can read."""
    path = directory / KEY_FILE
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            if not create or not _make_key(path):
                return None
            continue
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or not _trusted(st) or st.st_mode & 0o077:
                return None
            key = os.read(fd, _KEY_SIZE + 1)
        finally:
            os.close(fd)
        return key if len(key) == _KEY_SIZE else None
    return None


def _make_key(path: Path) -> bool:
    """A new random key at ``path``, mode 0600, complete before anyone can
    see it (written aside, then linked: another process making one at the
    same time wins, and both use its)."""
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            os.write(fd, os.urandom(_KEY_SIZE))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        return True
    except OSError:
        return False
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _sealed(key: bytes, payload: bytes) -> bytes:
    return _MAGIC + hmac.new(key, payload, hashlib.sha256).digest() + payload


def _opened(key: bytes, data: bytes) -> bytes | None:
    """The payload of an entry whose hash checks out, else None."""
    head = len(_MAGIC)
    if len(data) < head + _MAC_SIZE or not data.startswith(_MAGIC):
        return None
    mac, payload = data[head:head + _MAC_SIZE], data[head + _MAC_SIZE:]
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        return None
    return payload


def _read_entry(entry: Path, expect: type) -> Any:
    """The value kept in ``entry``, or None. The file itself must be ours
    too (checked on the open file: no swapping it between check and read)
    and its keyed hash must check out before anything is unpickled; an
    entry that fails is deleted (the load then stores a good one). A hit
    marks the entry as used (see :func:`_prune`)."""
    key = _key(entry.parent, create=False)
    if key is None:
        return None
    try:
        with open(entry, "rb") as handle:
            if not _trusted(os.fstat(handle.fileno())):
                return None
            data = handle.read()
    except OSError:  # missing (a miss) or unreadable
        return None
    payload = _opened(key, data)
    value = None
    if payload is not None:
        try:
            value = pickle.loads(payload)  # noqa: S301 - our own entry, its HMAC checked
        except Exception:  # noqa: BLE001 - sealed but unreadable (an engine that changed under it)
            payload = None
    if payload is None or not isinstance(value, expect):
        entry.unlink(missing_ok=True)
        return None
    try:
        os.utime(entry)
    except OSError:
        pass
    return value


#: Entries kept at most (the most recently used): one per kind, folder and
#: selection — and per working directory, as the file names that reports
#: show depend on it.
MAX_ENTRIES = 32

#: A temporary file older than this is left over from a write that was
#: killed (a write in progress takes far less): it is removed.
STALE_TMP_SECONDS = 600


def _prune(directory: Path, keep: Path) -> None:
    """Removes the least recently used entries beyond :data:`MAX_ENTRIES`,
    and temporary files that a killed write left behind."""
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        if old != keep:
            old.unlink(missing_ok=True)
    _clean_temporary(directory)


def _clean_temporary(directory: Path) -> None:
    import time

    limit = time.time() - STALE_TMP_SECONDS
    for tmp in directory.glob(".*.tmp"):
        try:
            if tmp.lstat().st_mtime < limit:
                tmp.unlink()
        except OSError:
            continue


def _store(directory: Path, entry: Path, prefix: str, value: Any) -> None:
    from engine.base.files import atomic_write_bytes
    from engine.errors import RulesError

    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted_folder(directory):
            return
        key = _key(directory, create=True)
        if key is None:
            return
        buffer = BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        atomic_write_bytes(entry, _sealed(key, buffer.getvalue()))
        for old in directory.glob(f"{prefix}*.pickle"):
            if old != entry:
                old.unlink(missing_ok=True)
        _prune(directory, keep=entry)
    except (OSError, RulesError, pickle.PicklingError, TypeError, AttributeError):
        # Not writable, or not picklable (a custom function an app passed
        # in): the next load builds again.
        return
