"""The Shopify stand-in (the forge's own; it is NOT Shopify): a program the Sandbox step and the Test step's contract
suites run inside the isolation with the system `python3` (stdlib only), as `python3 -m sandbox.shopify`.

It makes a test CA for the run, starts the built app (`node dist/server.js`) and the shared fake provider, serves a
GraphQL Admin endpoint that records the Payments Apps mutations, and drives the app as Shopify and the provider
would. Its modules import each other relatively, so the same files work in the forge and copied into `sandbox/`.
"""
