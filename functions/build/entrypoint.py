"""The isolated half of the build container: runs the checks on the staged folder, writes result.json.

Runs with no network and no credentials (bubblewrap locally, a locked-down Fargate task in AWS).
"""

import sys
from pathlib import Path

from forge.models.job import Step
from forge.pipeline.container.entrypoint import main

if __name__ == "__main__":
    sys.exit(main(Step.BUILD, Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()))
