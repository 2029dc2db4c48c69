"""The engine: the scheduler, one trainee's pipeline, the engine process, the plan."""
