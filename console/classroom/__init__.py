"""Following the class: lab milestones per trainee, what each trainee made by hand, and
cleaning that only on request. Everything here reads with the trainee's ManageEnvRole session;
only ``console.classroom.cleanup`` changes anything, and each of its calls is in the ledger."""
