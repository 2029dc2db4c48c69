"""Every document the code, the tests and the docs refer to is in this repository.

A reference is a path ending in ``.md`` in a source file, ``pyproject.toml``, the ``Makefile``,
the README or ``docs/``. Where a reference names a section (``docs/contracts.md, "Ledger
record"``), that heading must exist in the document.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_REFERENCE = re.compile(r"(?<![\w/.-])([\w./-]*[\w-]\.md)\b")
_SECTION = re.compile(r"(docs/[\w-]+\.md),\s*\"([^\"]+)\"")


def _sources() -> list[Path]:
    files = [
        path
        for folder in ("console", "widgets", "tests", "bench")
        for path in (REPO / folder).rglob("*.py")
    ]
    files += [REPO / "pyproject.toml", REPO / "Makefile", REPO / "README.md"]
    return sorted(files + list((REPO / "docs").glob("*.md")))


def _unescaped(line: str) -> str:
    """A line with the escapes of Python strings (``"\\nREADME.md"``) read as spaces."""
    return re.sub(r"\\[nrt]", " ", line)


def _target(source: Path, reference: str) -> Path:
    """Where ``reference`` points: beside a document it appears in, else from the root."""
    if source.suffix == ".md" and (source.parent / reference).exists():
        return source.parent / reference
    return REPO / reference


def _headings(document: Path) -> set[str]:
    return {
        line.lstrip("#").strip()
        for line in document.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }


def test_every_referenced_document_is_in_the_repository():
    missing = []
    for source in _sources():
        text = source.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            for reference in _REFERENCE.findall(_unescaped(line)):
                if not _target(source, reference).is_file():
                    missing.append(f"{source.relative_to(REPO)}:{number}: {reference}")
    assert not missing, "references to documents the repository does not hold:\n" + "\n".join(
        missing
    )


def test_every_referenced_section_is_a_heading_of_its_document():
    missing = []
    for source in _sources():
        text = " ".join(source.read_text(encoding="utf-8").split())  # sections may wrap
        for document, section in _SECTION.findall(text):
            if section not in _headings(REPO / document):
                missing.append(f'{source.relative_to(REPO)}: {document}, "{section}"')
    assert not missing, "sections that are not headings:\n" + "\n".join(missing)


def test_the_reading_finds_references_and_sections():
    outside = "../" + "DESIGN" + ".md"  # spelled apart: this file must not refer to it
    line = f'see docs/contracts.md, "Ledger record" and {outside}, not notes.mdx or x.md5'
    assert _REFERENCE.findall(line) == ["docs/contracts.md", outside]
    assert _SECTION.findall(line) == [("docs/contracts.md", "Ledger record")]
    assert _REFERENCE.findall(_unescaped("'lines\\nREADME.md'")) == ["README.md"]
