"""The three steps that run plugin code or tools over it, as containers (Fargate in AWS, bubblewrap locally):
build, test and sandbox.

Split in two halves so the untrusted half needs no network and no credentials at all:
- `checks` (entrypoint): runs inside the isolation, reads the staged input read-only, works in a folder of its
  own, writes one CheckReport (`report`) to a pipe;
- `reporter`: runs outside, stages the input (`staging`), launches the checks (`local_launch` in bubblewrap,
  `task_main` in Fargate), records the run, reports the token.
"""
