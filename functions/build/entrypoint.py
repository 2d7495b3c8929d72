"""The isolated half of the build container: runs the checks on the staged input, writes its report to a pipe.

Runs with no network and no credentials (bubblewrap locally, as uid 65534 in a Fargate task in AWS).
Command line: STAGED WORK RESULT_FD (forge.pipeline.container.entrypoint).
"""

import sys

from forge.models.steps import Step
from forge.pipeline.container.entrypoint import main

if __name__ == "__main__":
    sys.exit(main(Step.BUILD, sys.argv[1:]))
