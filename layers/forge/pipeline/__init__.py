"""The pipeline: one function per step, and the run bookkeeping they all share."""
