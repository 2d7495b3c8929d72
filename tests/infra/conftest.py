"""jsii prints a Node.js end-of-life banner on every start unless told not to; it says nothing about the stack."""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
