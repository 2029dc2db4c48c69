"""The step kinds' behaviour: ``registry()[kind]`` implements the kind ``console.kinds`` specifies.

Each behaviour class lives in its own module of this package; ``registry()`` finds them, so
adding a kind is its spec, its module here and its tests (``tests/unit/test_step_specs.py``).
"""

from __future__ import annotations

import importlib
import pkgutil

from console.kinds import KINDS
from console.steps.base import StepKind


def behaviours() -> dict[str, type[StepKind]]:
    """Every behaviour class defined in this package, by the kind it implements.

    Imports each module of the package (lazily: the CLI's fast paths never call this).
    """
    found: dict[str, type[StepKind]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, StepKind)):
                continue
            # Only classes defined in the module (not one imported, nor one a test derives),
            # and not the base, which names no kind.
            if value.kind and value.__module__ == module.__name__:
                found[value.kind] = value
    return found


def registry() -> dict[str, StepKind]:
    """Every step kind by name, in the specs' order.

    Raises:
        LookupError: a kind has a spec but no behaviour class here.
    """
    found = behaviours()
    missing = [kind for kind in KINDS if kind not in found]
    if missing:
        raise LookupError(
            f"no behaviour class in console.steps for step kind(s) {', '.join(missing)}: "
            "add a StepKind subclass with that kind in console/steps/"
        )
    return {kind: found[kind]() for kind in KINDS}
