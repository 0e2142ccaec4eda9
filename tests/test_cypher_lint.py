"""Every Cypher file, checked without a database: its header is complete, it declares
exactly the parameters it uses and returns exactly the columns it names, and it speaks the
model's vocabulary. Every rule id has its Cypher file and its networkx twin.
(tests/test_neo4j_parity.py has Neo4j compile each file.)"""

from __future__ import annotations

import ast
import enum
import inspect
import re
from pathlib import Path

import pytest

import graph.model
import graph.profiles
from cypher.load import (CYPHER_DIR, QueryFileError, fragment, fragment_files, load, parse,
                         query_files, strip_comments)
from graph.profiles import RULE_IDS, SHIPPED, load_profile
from graph.rules import SEVERITY, Evaluation

FILES = query_files()
FINDING_COLUMNS = ("rule", "school_id", "adult_id", "counterpart_id", "account_id",
                   "connection_ids", "advisory", "notify_dsl")
# The store's own bookkeeping, beside the labels graph/model.py draws.
STORE_LABELS = {"UnfinishedImport", "FactsVersion"}


def ids(path: Path) -> str:
    return str(path.relative_to(CYPHER_DIR))


def without_strings(cypher: str) -> str:
    return re.sub(r"'(?:[^'\\]|\\.)*'", "''", strip_comments(cypher))


def string_literals(cypher: str) -> list[str]:
    return re.findall(r"'((?:[^'\\]|\\.)*)'", strip_comments(cypher))


def top_level_returns(cypher: str) -> list[list[str]]:
    """The column names of each RETURN outside any subquery, in order."""
    text = without_strings(cypher)
    depth, returns = 0, []
    for match in re.finditer(r"[{}]|\bRETURN\b", text, flags=re.IGNORECASE):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            clause = re.split(r"\b(?:ORDER\s+BY|SKIP|LIMIT|UNION)\b", text[match.end():],
                              flags=re.IGNORECASE)[0]
            clause = re.sub(r"^\s*DISTINCT\b", "", clause, flags=re.IGNORECASE)
            returns.append([column_name(item) for item in split_top_level(clause)])
    return returns


def split_top_level(clause: str) -> list[str]:
    items, depth, start = [], 0, 0
    for at, char in enumerate(clause):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(clause[start:at])
            start = at + 1
    items.append(clause[start:])
    return [item.strip() for item in items if item.strip()]


def column_name(item: str) -> str:
    alias = re.search(r"\bAS\s+(\w+)\s*$", item, flags=re.IGNORECASE)
    return alias.group(1) if alias else item


def vocabulary() -> set[str]:
    """Every value a Cypher literal may be: the model's and the profiles' enum values, the
    rule ids, and the strings graph/model.py, rules.py and routing.py write themselves."""
    words = set(RULE_IDS)
    for module in (graph.model, graph.profiles):
        for kind in vars(module).values():
            if isinstance(kind, type) and issubclass(kind, enum.Enum) and kind is not enum.Enum:
                words.update(str(member.value) for member in kind)
    for source in ("model.py", "rules.py", "routing.py"):
        tree = ast.parse((Path(graph.model.__file__).parent / source).read_text())
        words.update(node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str))
    return words


def model_schema() -> tuple[set[str], set[str]]:
    """The labels and relationship types of the patterns drawn in graph/model.py."""
    doc = graph.model.__doc__
    return set(re.findall(r"\(:(\w+)", doc)), set(re.findall(r"\[:(\w+)", doc))


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_header_is_complete(path):
    query = parse(path)
    assert query.description, "say what the query does in the header"
    if query.is_rule:
        assert path.parent.name == "rules" and query.name == path.stem
        assert query.header["severity"] == SEVERITY[query.name]
    else:
        assert path.parent.name != "rules", "a file in rules/ is a rule: `// rule: ID`"


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_parameters_used_are_the_ones_declared(path):
    query = parse(path)
    used = set(re.findall(r"\$(\w+)", without_strings(query.body)))
    assert used == set(query.parameters)


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_returns_the_columns_the_header_names(path):
    query = parse(path)
    returns = top_level_returns(query.body)
    if not query.returns:
        assert returns == []
    else:
        assert returns, "no RETURN at the top level"
        for columns in returns:  # one per branch of a UNION
            assert tuple(columns) == query.returns


@pytest.mark.parametrize("path", sorted((CYPHER_DIR / "rules").glob("*.cypher")), ids=ids)
def test_a_rule_returns_the_finding_columns(path):
    query = parse(path)
    assert query.returns[:len(FINDING_COLUMNS)] == FINDING_COLUMNS
    assert f"'{query.name}' AS rule" in query.body


@pytest.mark.parametrize("path", sorted((CYPHER_DIR / "rules").glob("*.cypher")), ids=ids)
def test_a_rule_names_the_clauses_the_shipped_profiles_cite_for_it(path):
    """A finding cites its own school's profile; the header says what the shipped ones cite."""
    query = parse(path)
    cited = [clause for name in SHIPPED
             for clause in load_profile(name).rule_clauses.get(query.name, ())]
    assert query.header["clauses"].split("; ") == cited


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_literals_are_the_models_vocabulary(path):
    unknown = set(string_literals(parse(path).body)) - vocabulary()
    assert not unknown, "spell values as graph/model.py, graph/profiles.py or the rules do"


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_labels_and_types_are_the_models(path):
    labels, types = model_schema()
    text = without_strings(parse(path).body)
    used_labels = (set(re.findall(r"\(\w*:(\w+)", text))  # in a pattern: (node:Label)
                   | set(re.findall(r"\b(?:WHERE|AND|OR|NOT)\s+\w+:(\w+)", text)))  # node:Label
    used_types = {t for group in re.findall(r"\[\w*:([\w|]+)", text) for t in group.split("|")}
    assert used_labels <= labels | STORE_LABELS
    assert used_types <= types
    assert all(re.fullmatch(r"(?:[A-Z][a-z]+)+", label) for label in used_labels)
    assert all(re.fullmatch(r"[A-Z]+(?:_[A-Z]+)*", kind) for kind in used_types)


def test_every_rule_has_a_cypher_file_and_a_networkx_twin():
    stems = sorted(path.stem for path in (CYPHER_DIR / "rules").glob("*.cypher"))
    assert len(set(RULE_IDS)) == len(RULE_IDS), "a rule id twice"
    assert sorted(RULE_IDS) == sorted(SEVERITY) == stems
    networkx_twins = inspect.getsource(Evaluation)
    for rule in RULE_IDS:
        assert f'"{rule}"' in networkx_twins, f"Evaluation never makes a {rule} finding"


@pytest.mark.parametrize("path", fragment_files(), ids=ids)
def test_a_fragment_is_used_and_put_in_place(path):
    uses = [query for query in map(parse, FILES)
            if fragment(path.stem) in query.body
            and f"{{{{{path.stem}}}}}" in query.path.read_text(encoding="utf-8")]
    assert uses, "a fragment no query uses"
    assert all("{{" not in strip_comments(query.body) for query in uses)


def test_an_unknown_fragment_is_a_clear_error(tmp_path):
    query = tmp_path / "broken.cypher"
    query.write_text("// query: broken\n// parameters: none\n// returns: none\n// Uses no fragment.\n"
                     "MATCH (n) WHERE {{no-such-fragment}} RETURN n\n")
    with pytest.raises(QueryFileError, match="no fragment file"):
        parse(query)


def test_no_two_files_share_a_name():
    names = [parse(path).name for path in FILES]
    assert len(names) == len(set(names))


def test_the_loader_finds_queries_by_name():
    assert load("rules/pupil-contact").is_rule
    assert load("routing/route").parameters[0] == "findings"
    assert len(load("schema").statements()) > 5
