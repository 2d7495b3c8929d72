-- An Idempotency-Key names one request of one requester: user B reusing user A's key is a different request,
-- not A's job. And a key reused with a different spec is a client bug the API must report, so each job keeps
-- the digest of the spec it was created for (sha256 of the canonical spec JSON, PluginSpec.digest()).
ALTER TABLE forge_jobs DROP CONSTRAINT forge_jobs_idempotency_key_key;
CREATE UNIQUE INDEX forge_jobs_requester_idempotency_key_idx ON forge_jobs (requested_by, idempotency_key);

-- NULL for jobs created before this migration: the application falls back to the digest of their params.
ALTER TABLE forge_jobs
  ADD COLUMN spec_digest text CHECK (spec_digest ~ '^[0-9a-f]{64}$');

-- `forge keys compromise`: why an admin stopped trusting a key (its status says that it is; this says why).
ALTER TABLE signing_keys
  ADD COLUMN compromised_reason text
    CHECK (compromised_reason IS NULL OR (status = 'compromised' AND length(btrim(compromised_reason)) > 0));
