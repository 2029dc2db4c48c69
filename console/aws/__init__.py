"""The AWS layer: host identity, assumed-role sessions, attribution, trust lint, scan."""
