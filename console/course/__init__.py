"""Course files: the model, loading, the schema, value rules and every check."""
