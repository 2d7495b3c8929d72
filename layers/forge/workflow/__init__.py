"""Step Functions: the workflow definition file and the client that drives executions."""
