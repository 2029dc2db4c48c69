"""The headless commands: apply/retry/teardown, status/ledger/report, preflight, whoami."""
