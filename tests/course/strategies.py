"""Hypothesis strategies: valid course documents built from the schema, and their mutations."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

from console.course.schema import CAPABILITIES, COURSE_KEYS, STEP_KINDS, TRAINEE_KEYS

TEMPLATE = "templates/net.yaml"  # the property tests' course folder holds this file

identifiers = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", fullmatch=True)
accounts = st.from_regex(r"[0-9]{12}", fullmatch=True)
# Regions CloudFormation has: a course's templates are checked against the region's schemas.
regions = st.sampled_from(["us-east-1", "ap-northeast-1", "us-gov-west-1", "eu-central-2"])
role_names = st.from_regex(r"[A-Za-z0-9_+=,.@-]{1,64}", fullmatch=True)
plain_text = st.text(
    st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), max_size=30
)
template_text = st.sampled_from(["{trainee}", "{course}", "{account}", "x", "{{", "}}"])


@st.composite
def _course(draw) -> dict:
    table = {"name": draw(identifiers), "region": draw(regions)}
    optional = {
        "role_name": role_names,
        "concurrency": st.integers(1, 256),
        "failure_tolerance": st.integers(0, 1000),
        "host_role": role_names,
        "source_identity": st.booleans(),
    }
    for key, values in optional.items():
        if draw(st.booleans()):
            table[key] = draw(values)
    return table


@st.composite
def _step(draw, index: int) -> dict:
    kind = draw(st.sampled_from(sorted(STEP_KINDS)))
    maybe = {}
    if kind == "iam_user":
        step = {"name": f"u{index}-{{trainee}}"}
        maybe = {
            "policy_arns": st.lists(
                st.sampled_from(
                    [
                        "arn:aws:iam::aws:policy/ReadOnlyAccess",
                        "arn:aws:iam::{account}:policy/P-{course}",
                    ]
                )
            ),
            "groups": st.lists(st.from_regex(r"[A-Za-z0-9_+=,.@-]{1,20}", fullmatch=True)),
        }
    elif kind == "codecommit_repo":
        step = {"name": f"r{index}-{{course}}"}
        maybe = {"description": plain_text | st.builds("".join, st.lists(template_text))}
    elif kind == "s3_bucket":
        step = {"name": draw(st.sampled_from([f"b{index}-{{account}}", f"b{index}.{{trainee}}"]))}
        maybe = {"versioning": st.booleans()}
    elif kind == "eks_cluster":
        step = {"name": f"k{index}-{{trainee}}", "role_arn": "arn:aws:iam::{account}:role/Eks"}
        maybe = {
            "version": st.from_regex(r"1\.[0-9]{1,2}", fullmatch=True),
            "subnet_ids": st.lists(st.from_regex(r"subnet-[0-9a-f]{8,17}", fullmatch=True)),
            "nodegroup": st.sampled_from(["", "ng-{trainee}", "workers"]),
            "node_role_arn": st.sampled_from(["", "arn:aws:iam::{account}:role/Node"]),
        }
    else:
        step = {"name": f"cf{index}-{{trainee}}", "template": TEMPLATE}
        maybe = {
            "parameters": st.dictionaries(
                st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True),
                plain_text | template_text,
                max_size=3,
            ),
            "capabilities": st.lists(st.sampled_from(CAPABILITIES), max_size=3),
        }
    for key, values in maybe.items():
        if draw(st.booleans()):
            step[key] = draw(values)
    return {"kind": kind, **step}


@st.composite
def valid_documents(draw) -> dict:
    """A document that must load: every value allowed, names unique per kind and trainee."""
    trainees = draw(
        st.lists(
            st.tuples(identifiers, accounts),
            min_size=1,
            max_size=4,
            unique_by=(lambda t: t[0], lambda t: t[1]),
        )
    )
    steps = [draw(_step(index)) for index in range(draw(st.integers(1, 5)))]
    if steps[0]["kind"] == "iam_user" and draw(st.booleans()):
        del steps[0]["name"]  # the default, "{trainee}", clashes with no other step's name
    return {
        "course": draw(_course()),
        "trainee": [{"name": name, "account": account} for name, account in trainees],
        "step": steps,
    }


KNOWN_KEYS = sorted(
    {"course", "trainee", "step", "kind"}
    | set(COURSE_KEYS)
    | set(TRAINEE_KEYS)
    | {name for spec in STEP_KINDS.values() for name in spec.params}
)
toml_values = st.recursive(
    st.text(max_size=20)
    | st.sampled_from(
        [
            "{trainee}",
            "111111111111",
            "arn:aws:iam::{account}:role/R",
            "",
            "-",
            "{",
            "}",
            "{x}",
            "us-east-1",
            "iam_user",
            "s3_bucket",
            TEMPLATE,
        ]
    )
    | st.integers(-(2**63), 2**63 - 1)
    | st.booleans()
    | st.floats(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(KNOWN_KEYS), children, max_size=3)
    ),
    max_leaves=6,
)
MUTATIONS = ("drop", "set", "rename", "add", "duplicate", "kind")
new_keys = st.text(max_size=6) | st.sampled_from(KNOWN_KEYS)


def key_paths(value: object, path: tuple = ()) -> list[tuple]:
    """Every key path inside ``value`` (table keys and list indexes), parents first."""
    paths = []
    items = (
        value.items()
        if isinstance(value, dict)
        else (enumerate(value) if isinstance(value, list) else ())
    )
    for key, item in items:
        paths.append(path + (key,))
        paths.extend(key_paths(item, path + (key,)))
    return paths


def _at(doc: dict, path: tuple) -> object:
    for key in path:
        doc = doc[key]
    return doc


def mutate(doc: dict, data: st.DataObject, count: int) -> dict:
    """``doc`` changed ``count`` times, each change drawn from ``data``; the input is untouched."""
    doc = copy.deepcopy(doc)
    for _ in range(count):
        paths = key_paths(doc)
        if not paths:
            break
        change = data.draw(st.sampled_from(MUTATIONS), label="change")
        path = data.draw(st.sampled_from(paths[::-1]), label="path")  # leaves are "simplest"
        parent = _at(doc, path[:-1])
        if change == "drop":
            del parent[path[-1]]
        elif change == "set":
            parent[path[-1]] = data.draw(toml_values, label="value")
        elif change == "rename" and isinstance(parent, dict):
            key = data.draw(new_keys, label="key")
            if key not in parent:
                parent[key] = parent.pop(path[-1])
        elif change == "add":
            tables = [()] + [p for p in paths if isinstance(_at(doc, p), dict)]
            table = _at(doc, data.draw(st.sampled_from(tables), label="table"))
            table[data.draw(new_keys, label="key")] = data.draw(toml_values, label="value")
        elif change == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif change == "kind" and isinstance(parent, dict):
            parent["kind"] = data.draw(st.sampled_from(sorted(STEP_KINDS)), label="kind")
    return doc
