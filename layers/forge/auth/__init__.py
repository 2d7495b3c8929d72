"""Approvers' second factor: TOTP codes (RFC 6238) whose seeds are kept encrypted."""
