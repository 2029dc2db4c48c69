"""The console's screens, one per module: overview, trainee detail, identity, teardown plan,
confirmation and help."""
