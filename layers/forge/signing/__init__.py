"""ECDSA P-256 / SHA-256 signing behind one port, whatever holds the key (SoftHSM, CloudHSM, KMS)."""
