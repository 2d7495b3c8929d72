"""One module per step. Each exposes a body for the shared bookkeeping (forge.pipeline.bookkeeping)."""
