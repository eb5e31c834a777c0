"""Compiles the translation catalogues (.po) into the files Django reads (.mo).

Pure Python, so set-up needs no GNU gettext. Developers who add strings use
``makemessages`` as usual (that one does need gettext); see docs/translation.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        catalogue.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def main() -> int:
    compile_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
