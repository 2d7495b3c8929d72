"""`python3 -m sandbox.shopify <app> <provider folder> --test-url URL --live-url URL [...]`: see standin.main."""

import sys

from .standin import main

raise SystemExit(main(sys.argv[1:]))
