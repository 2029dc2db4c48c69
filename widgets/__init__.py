"""Textual widgets for the whodidthis console. They render core dataclasses and never call AWS."""
