"""Finds where a module touches another library's private names (an AST reading, no import).

A *touch* is any of:

* an import of a private name or module (``from botocore.hooks import _PrefixTrie``);
* an attribute with a private name reached from a library's module or class
  (``botocore.hooks._PrefixTrie``, ``AIOHTTPSession._build_ssl_contexts``);
* in a class that subclasses a library's class, a method, class attribute or ``self``/``super()``
  attribute whose private name the library's class already has (an override or a read of its
  internals: ``def _build_ssl_contexts``, ``self._verify``);
* any other ``obj._name`` (or ``getattr(obj, "_name")``) whose name occurs in a library's source
  and is not defined by the module itself: the object's type is not known statically, so the
  name decides (``session._credentials``).

Dunder names (``__copy__``) are protocol, not private. The doors are the modules allowed to
touch a library's privates (``DOORS``); each door lists what it touches in its own table.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: library -> the modules (paths from the repository root; a folder ends in ``/``) that may
#: touch its private names.
DOORS = {
    "botocore": ("console/aws/sdk/",),
    "aiobotocore": ("console/aws/sdk/",),
    "aiohttp": ("console/aws/sdk/",),
    "textual": ("widgets/datatable_cache.py",),
    "moto": ("standin/src/standin/",),
}
LIBRARIES = tuple(DOORS)

_PRIVATE_WORD = re.compile(rb"\b_\w+")
_MANGLED = re.compile(r"_[A-Za-z]\w*?(__\w+)")


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@dataclass(frozen=True)
class Touch:
    """One use of a private name: where, of which libraries (candidates), and how."""

    path: str
    line: int
    name: str
    libraries: tuple[str, ...]
    how: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.how} ({' or '.join(self.libraries)})"


@functools.cache
def library_words(library: str) -> frozenset[str]:
    """Every private-looking word in ``library``'s source (a superset of its private names)."""
    spec = importlib.util.find_spec(library)
    assert spec is not None and spec.origin, f"{library} is not installed"
    words: set[str] = set()
    for source in Path(spec.origin).parent.rglob("*.py"):
        words.update(w.decode() for w in _PRIVATE_WORD.findall(source.read_bytes()))
    return frozenset(w for w in words if is_private(w))


def in_library_source(name: str, library: str) -> bool:
    mangled = _MANGLED.fullmatch(name)  # _Class__name is written __name in the class
    return name in library_words(library) or bool(mangled and mangled[1] in library_words(library))


def library_of(dotted: str) -> str | None:
    root = dotted.split(".")[0]
    return root if root in LIBRARIES else None


def resolve(dotted: str) -> object | None:
    """The object named ``a.b.C`` (module path then attributes), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute, None)
            if target is None:
                return None
        return target
    return None


@functools.cache
def class_privates(cls: type) -> frozenset[str]:
    """The private names a library's class has: class attributes along its MRO and the
    attributes its methods set on ``self``."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if library_of(klass.__module__) is None:
            continue
        names.update(n for n in vars(klass) if is_private(n))
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and is_private(node.attr)
            ):
                names.add(node.attr)
    return frozenset(names)


def _bindings(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as, for every import in the module."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    bound[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _own_names(tree: ast.Module) -> set[str]:
    """Private names the module defines itself: functions, classes, class attributes, module
    globals and the attributes its classes set on ``self``."""
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            own.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            own.add(node.attr)
    return {name for name in own if is_private(name)}


def _dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """``a.b.c`` when ``node`` is a chain of attributes on an imported name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    return ".".join([bound[node.id], *reversed(parts)])


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _is_super(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _attribute_uses(tree: ast.AST):
    """(node, object expression, name) for ``obj._name`` and ``getattr(obj, "_name", ...)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            yield node, node.value, node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and is_private(node.args[1].value)
        ):
            yield node, node.args[0], node.args[1].value


def touches(path: Path) -> list[Touch]:
    """Every touch of a library's private name in the module at ``path``."""
    relative = path.resolve().relative_to(REPO).as_posix()
    return touches_in(path.read_text(encoding="utf-8"), relative)


def touches_in(source: str, relative: str) -> list[Touch]:
    """Every touch of a library's private name in ``source`` (the module at ``relative``)."""
    tree = ast.parse(source)
    bound = _bindings(tree)
    own = _own_names(tree)
    found: list[Touch] = []
    seen: set[int] = set()

    def add(node: ast.AST, name: str, libraries: tuple[str, ...], how: str) -> None:
        if libraries and id(node) not in seen:
            seen.add(id(node))
            found.append(Touch(relative, node.lineno, name, libraries, how))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                private = [p for p in parts if is_private(p)]
                if library_of(alias.name) and private:
                    add(node, private[0], (parts[0],), f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and library_of(node.module):
            for alias in node.names:
                private = [p for p in [*node.module.split("."), alias.name] if is_private(p)]
                if private:
                    how = f"from {node.module} import {alias.name}"
                    add(node, private[-1], (library_of(node.module),), how)
    for cls_node in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        _subclass_touches(cls_node, bound, add)
    for node, obj, name in _attribute_uses(tree):
        dotted = _dotted(obj, bound)
        if dotted is not None:
            if library_of(dotted):
                add(node, name, (library_of(dotted),), f"{dotted}.{name}")
            continue
        root = _root_name(obj)
        if root in bound:  # reached through an import: its library's, or no library's
            add(node, name, tuple(filter(None, [library_of(bound[root])])), ast.unparse(node))
            continue
        if _is_self(obj) or _is_super(obj) or name in own:
            continue
        libraries = tuple(lib for lib in LIBRARIES if in_library_source(name, lib))
        add(node, name, libraries, f"{ast.unparse(obj)}.{name}")
    return sorted(found, key=lambda t: t.line)


def _subclass_touches(cls_node: ast.ClassDef, bound: dict[str, str], add) -> None:
    """Overrides and ``self``/``super()`` uses of a library base class's private names."""
    for base in cls_node.bases:
        dotted = _dotted(base, bound)
        cls = resolve(dotted) if dotted else None
        if not isinstance(cls, type):
            continue
        # A base of ours may stand on a library's class (a door's): its MRO says which.
        found = [library_of(k.__module__) for k in cls.__mro__ if library_of(k.__module__)]
        if not found:
            continue
        library, privates = found[0], class_privates(cls)
        for item in cls_node.body:
            names = []
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [item.name]
            elif isinstance(item, ast.Assign | ast.AnnAssign):
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            for name in names:
                if name in privates:
                    add(item, name, (library,), f"{cls_node.name}.{name} overrides {dotted}")
        for node, obj, name in _attribute_uses(cls_node):
            if name in privates and (_is_self(obj) or _is_super(obj)):
                add(node, name, (library,), f"{ast.unparse(obj)}.{name} of {dotted}")


def product_modules() -> list[Path]:
    return sorted([*REPO.glob("console/**/*.py"), *REPO.glob("widgets/**/*.py")])


def in_door(path: str, library: str) -> bool:
    return any(
        path.startswith(door) if door.endswith("/") else path == door for door in DOORS[library]
    )
