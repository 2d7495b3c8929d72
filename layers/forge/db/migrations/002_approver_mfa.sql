-- Approvers' second factor (TOTP, RFC 6238) and what makes an approval row verifiable on its own.

-- One row per enrolled approver. The TOTP seed itself lives encrypted in forge_secrets (secret_type
-- 'mfa_seed'); this row only points at it and remembers the newest time step accepted, so a code for
-- that step or an earlier one is refused as a replay (RFC 6238 section 5.2).
CREATE TABLE approvers (
  name            text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 128),
  secret_id       uuid NOT NULL UNIQUE REFERENCES forge_secrets (id),
  last_used_step  bigint NOT NULL DEFAULT 0 CHECK (last_used_step >= 0),
  enrolled_by     text NOT NULL CHECK (length(enrolled_by) > 0),
  enrolled_at     timestamptz NOT NULL DEFAULT now()
);

-- The key that signed the approval statement; created_at is the instant the statement names, so a
-- verifier rebuilds the exact bytes from the row and the package.
ALTER TABLE forge_approvals ADD COLUMN signing_key_id text;

-- Keyset pagination: every filter of GET /jobs and GET /packages has an index ending in the sort key.
CREATE INDEX forge_jobs_cms_created_idx ON forge_jobs (cms, created_at DESC, id DESC);
-- 001's status and requested_by indexes lack the id tie-breaker: replaced, not duplicated.
DROP INDEX forge_jobs_status_idx;
DROP INDEX forge_jobs_requested_by_idx;
CREATE INDEX forge_jobs_status_idx ON forge_jobs (status, created_at DESC, id DESC);
CREATE INDEX forge_jobs_requested_by_idx ON forge_jobs (requested_by, created_at DESC, id DESC);
CREATE INDEX plugin_packages_created_idx ON plugin_packages (created_at DESC, id DESC);
