"""Cypher queries kept as files and loaded by name, each with a header of comment lines:

    // rule: pupil-contact               (or `// query: NAME` for a query that is no rule)
    // severity: high                    (rules only)
    // clauses: ninestiles 8.3; ...      (rules only: what the shipped profiles cite for it;
                                          a finding cites its own school's profile)
    // parameters: $as_of, $profiles     (or `none`)
    // returns: rule, school_id, ...     (the columns of the final RETURN, or `none`)
    // Any other comment lines before the first line of Cypher describe the query.

A rule lives in `rules/<rule-id>.cypher`, any other query in `<folder>/<name>.cypher`.

Cypher that several queries share lives once in `fragments/<name>.cypher` (a header line
`// fragment: NAME` and comment lines saying what it is, then the text) and is written
`{{name}}` where a query uses it; `parse` puts the text in its place, so a query's body is
the Cypher the server runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CYPHER_DIR = Path(__file__).parent
FRAGMENTS_DIR = CYPHER_DIR / "fragments"
HEADER_KEYS = ("rule", "query", "severity", "clauses", "parameters", "returns")
_FRAGMENT_USE = re.compile(r"\{\{([a-z]+(?:-[a-z]+)*)\}\}")
_HEADER_LINE = re.compile(r"^//\s*(" + "|".join(HEADER_KEYS) + r"):\s*(.*?)\s*$")


class QueryFileError(ValueError):
    pass


@dataclass(frozen=True)
class Query:
    path: Path
    name: str  # the rule id, or the query's name
    is_rule: bool
    header: dict[str, str]  # every `key: value` line of the header
    parameters: tuple[str, ...]  # without the `$`
    returns: tuple[str, ...]
    description: str
    body: str  # the Cypher after the header

    def statements(self) -> list[str]:
        """The body split into statements on `;` (for a file of several, like the schema)."""
        return [s.strip() for s in strip_comments(self.body).split(";") if s.strip()]


def parse(path: Path) -> Query:
    """Read one query file and its header; raise QueryFileError if the header is incomplete."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header: dict[str, str] = {}
    description = []
    at = 0
    while at < len(lines) and lines[at].lstrip().startswith("//"):
        match = _HEADER_LINE.match(lines[at].strip())
        if match and match.group(1) not in header:
            header[match.group(1)] = match.group(2)
        else:
            description.append(lines[at].strip().removeprefix("//").strip())
        at += 1
    if ("rule" in header) == ("query" in header):
        raise QueryFileError(f"{path}: the header names exactly one of `// rule:` or `// query:`")
    is_rule = "rule" in header
    required = ("severity", "clauses", "parameters", "returns") if is_rule else ("parameters", "returns")
    missing = [key for key in required if not header.get(key)]
    if missing:
        raise QueryFileError(f"{path}: the header has no {', '.join(missing)}")
    return Query(
        path=path,
        name=header["rule"] if is_rule else header["query"],
        is_rule=is_rule,
        header=header,
        parameters=_names(header["parameters"], strip="$"),
        returns=_names(header["returns"]),
        description=" ".join(line for line in description if line),
        body=_with_fragments("\n".join(lines[at:]).strip() + "\n", path),
    )


@cache
def fragment(name: str) -> str:
    """The Cypher of `fragments/<name>.cypher`, without its header."""
    path = FRAGMENTS_DIR / f"{name}.cypher"
    if not path.is_file():
        raise QueryFileError(f"no fragment file {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != f"// fragment: {name}":
        raise QueryFileError(f"{path}: the first line is `// fragment: {name}`")
    text = "\n".join(line for line in lines if not line.lstrip().startswith("//")).strip()
    if not text or _FRAGMENT_USE.search(text):
        raise QueryFileError(f"{path}: a fragment is Cypher of its own, with no fragment in it")
    return text


def _with_fragments(body: str, path: Path) -> str:
    try:
        return _FRAGMENT_USE.sub(lambda use: fragment(use.group(1)), body)
    except QueryFileError as error:
        raise QueryFileError(f"{path}: {error}") from error


def _names(value: str, strip: str = "") -> tuple[str, ...]:
    if value.strip() == "none":
        return ()
    return tuple(name.strip().removeprefix(strip) for name in value.split(",") if name.strip())


@cache
def load(relative_name: str) -> Query:
    """The query in `cypher/<relative_name>.cypher`, e.g. "rules/pupil-contact" or "schema".

    >>> load("rules/pupil-contact").header["severity"]
    'high'
    """
    path = CYPHER_DIR / f"{relative_name}.cypher"
    if not path.is_file():
        raise QueryFileError(f"no query file {path}")
    return parse(path)


def load_rule(rule_id: str) -> Query:
    return load(f"rules/{rule_id}")


def query_files() -> list[Path]:
    """Every query file (the fragments, which are parts of queries, left out)."""
    return sorted(p for p in CYPHER_DIR.rglob("*.cypher") if p.parent != FRAGMENTS_DIR)


def fragment_files() -> list[Path]:
    return sorted(FRAGMENTS_DIR.glob("*.cypher"))


_COMMENT_OR_STRING = re.compile(r"//[^\n]*|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def strip_comments(cypher: str) -> str:
    """The Cypher without `//` comments (string literals kept as they are)."""
    return _COMMENT_OR_STRING.sub(
        lambda m: "" if m.group().startswith("//") else m.group(), cypher
    )
