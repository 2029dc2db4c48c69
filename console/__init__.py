"""whodidthis: the operations console for per-trainee AWS environments.

The core (course, identity, sessions, steps, engine, store, sandbox) lives here and never
imports Textual; the Textual app is ``console.app`` and its widgets live in ``widgets``.
"""

__version__ = "0.1.0"
TOOL_NAME = "whodidthis"
