-- 003: the generation audit is one linear hash chain.
-- 001 gave every row prev_hash and row_hash; these indexes make a fork (two rows claiming the same
-- predecessor, e.g. a writer that skipped the table lock) or a duplicated row impossible to store.
-- The append-only triggers of 001 stay as they are.
CREATE UNIQUE INDEX sira_generation_audit_prev_hash_key ON sira_generation_audit (prev_hash);
CREATE UNIQUE INDEX sira_generation_audit_row_hash_key ON sira_generation_audit (row_hash);
COMMENT ON COLUMN sira_generation_audit.prev_hash IS 'row_hash of the previous row (64 zeros for the first row)';
COMMENT ON COLUMN sira_generation_audit.row_hash IS
  'sha256(prev_hash || canonical JSON of job_id, provider, model_version, prompt_hash, response_hash, metadata)';
