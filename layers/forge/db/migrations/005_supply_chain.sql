-- Supply chain: the keyset says which scheme each key signs with, and the signed revocation lists.

-- Every key signs ECDSA P-256 / SHA-256 (the one scheme KMS, CloudHSM, SoftHSM2, Vault and openssl share).
-- Stated per key so a future scheme is a new value, never a silent reinterpretation of an old key.
ALTER TABLE signing_keys
  ADD COLUMN algorithm text NOT NULL DEFAULT 'ecdsa-p256-sha256' CHECK (algorithm IN ('ecdsa-p256-sha256'));
CREATE INDEX signing_keys_status_idx ON signing_keys (status, activated_at);

-- revocations.json, one row per published version: versions only grow, and each body is kept exactly as
-- signed so any earlier list can be served and checked again.
CREATE TABLE revocation_lists (
  version         integer PRIMARY KEY CHECK (version > 0),
  body            text NOT NULL CHECK (length(body) > 0),
  signature       text NOT NULL,
  signing_key_id  text NOT NULL REFERENCES signing_keys (key_id),
  package_count   integer NOT NULL CHECK (package_count >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION revocation_lists_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'revocation lists are append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.version <> coalesce((SELECT max(version) FROM revocation_lists), 0) + 1 THEN
    RAISE EXCEPTION 'revocation list version % is not the next one', NEW.version USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER revocation_lists_append_only BEFORE INSERT OR UPDATE OR DELETE ON revocation_lists
  FOR EACH ROW EXECUTE FUNCTION revocation_lists_append_only();
