"""The state store: SQLite (WAL) runs, trainees, steps, events, ledger, queue, lock."""
