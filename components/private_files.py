"""Files the app keeps (the database, the development outbox and secret, lock
files) hold personal data or secrets: they are created for the owner only,
whatever the umask says."""

import os
from pathlib import Path
from typing import IO, Any


def private_folder(path: Path) -> None:
    """The folder, created readable by the owner alone (an existing one is left as it is)."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)


def create_private(path: Path) -> None:
    """The file, created empty and owner-only unless it exists already."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass


def open_private(path: Path, mode: str = "a") -> IO[Any]:
    """Open for appending or writing; a new file is owner-only."""
    create_private(path)
    return path.open(mode, encoding="utf-8")
