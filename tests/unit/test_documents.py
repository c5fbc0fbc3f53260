"""The documents travel with the code: every `§` reference in the source and the tests resolves to a
numbered section of the repository's own documents, and nothing the repository ships points at a
path outside it (a clone on its own is complete).

A reference means docs/btcturk-protocol.md unless its line names another document of docs/
(`docs/architecture.md §3.3`).
A range (`§1-10`) must resolve at both ends.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PROTOCOL = DOCS / "btcturk-protocol.md"
_HEADING = re.compile(r"^#{2,4} (\d+(?:\.\d+)*)\.? ", re.MULTILINE)
_REFERENCE = re.compile(r"§\s?(\d+(?:\.\d+)*)(?:-(\d+(?:\.\d+)*))?")
_NAMED_DOC = re.compile(r"docs/([\w-]+\.md)")
# What a clone cannot hold: the inputs beside the project. Tests and benchmarks may read the real
# data there (and skip, saying so, without it); what ships and what an operator reads may not.
_OUTSIDE = re.compile(r"\.\./shared|shared/(?:ARCHITECTURE|STYLE)\.md|shared/reference/")
SHIPPED = ("src", "docs", "runbooks", "deploy", "scripts", ".ci", "README.md", "pyproject.toml")


def sections(document: Path) -> set[str]:
    return set(_HEADING.findall(document.read_text(encoding="utf-8")))


def references() -> list[tuple[str, int, Path, str]]:
    """(file, line number, the document meant, the section) for every § in src/ and tests/."""
    found = []
    for root in (REPO / "src", REPO / "tests"):
        for path in sorted(root.rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                named = _NAMED_DOC.search(line)
                document = DOCS / named.group(1) if named else PROTOCOL
                for match in _REFERENCE.finditer(line):
                    for section in filter(None, match.groups()):
                        found.append((str(path.relative_to(REPO)), number, document, section))
    return found


def test_the_source_cites_the_protocol_by_section():
    assert len(references()) > 50  # the test would pass vacuously if the pattern stopped matching


def test_every_section_reference_resolves_to_a_heading_of_the_document_it_means():
    known: dict[Path, set[str]] = {}
    unresolved = []
    for where, line, document, section in references():
        if document not in known:
            known[document] = sections(document) if document.is_file() else set()
        if section not in known[document]:
            unresolved.append(f"{where}:{line}: §{section} is not a section of {document.relative_to(REPO)}")
    assert unresolved == []


@pytest.mark.parametrize("document", [PROTOCOL, DOCS / "architecture.md"], ids=lambda p: p.name)
def test_the_documents_are_numbered(document: Path):
    assert {"1", "2", "3"} <= sections(document)


def test_nothing_shipped_points_outside_the_repository():
    offending = []
    for name in SHIPPED:
        root = REPO / name
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if "__pycache__" in path.parts or path.suffix in {".pyc", ".sqlite"} or ".egg-info" in str(path):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                if _OUTSIDE.search(line):
                    offending.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offending == []


_RUNBOOK_LINK = re.compile(r"runbooks/([\w-]+\.md)(?:#([\w-]+))?")


def anchors(document: Path) -> set[str]:
    """GitHub's anchors for the document's headings: lower case, spaces to hyphens, other
    punctuation but `-` and `_` dropped."""
    found = set()
    for line in document.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_every_runbook_the_code_names_exists_with_the_section_it_names():
    missing = []
    for path in sorted((REPO / "src").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name, anchor in _RUNBOOK_LINK.findall(line):
                runbook = REPO / "runbooks" / name
                if not runbook.is_file() or (anchor and anchor not in anchors(runbook)):
                    missing.append(f"{path.relative_to(REPO)}:{number}: runbooks/{name}#{anchor}")
    assert missing == []


def test_every_slo_has_its_section_in_the_runbook():
    from bot.slo import SLO_NAMES

    assert set(SLO_NAMES) <= anchors(REPO / "runbooks" / "slo.md")
