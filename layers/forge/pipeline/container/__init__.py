"""The two steps that run as containers (Fargate in AWS, bubblewrap locally): build and sandbox.

Split in two halves so the untrusted half needs no network at all:
- `checks`: runs inside the isolation, reads `input.json` and `plugin/`, writes `result.json`;
- `reporter`: runs outside, stages the inputs, launches the checks, records the run, reports the token.
"""
