-- Approvers lock after repeated wrong TOTP codes, can be deactivated, and every such event is audited.

-- failed_attempts counts the codes charged in the current window (from failure_window_started_at): an attempt is
-- charged by one UPDATE before its code is checked, so concurrent guesses cannot outrun the limit, and a verified
-- code clears the count. locked_at stays set until an admin unlocks (no time-based unlock).
ALTER TABLE approvers
  ADD COLUMN failed_attempts           integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  ADD COLUMN failure_window_started_at timestamptz,
  ADD COLUMN locked_at                 timestamptz,
  ADD COLUMN deactivated_at            timestamptz,
  ADD COLUMN deactivated_by            text CHECK (deactivated_by IS NULL OR length(deactivated_by) > 0),
  ADD CONSTRAINT approvers_deactivated_by_whom CHECK ((deactivated_at IS NULL) = (deactivated_by IS NULL));

-- Who did what to an approver's second factor, when and why: write once, like sira_generation_audit (001).
CREATE TABLE approver_security_events (
  id          bigserial PRIMARY KEY,
  approver    text NOT NULL REFERENCES approvers (name),
  event       text NOT NULL
              CHECK (event IN ('enrolled', 're_enrolled', 'mfa_failed', 'locked', 'unlocked', 'deactivated')),
  actor       text NOT NULL CHECK (length(actor) > 0),
  reason      text CHECK (reason IS NULL OR length(btrim(reason)) > 0),
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approver_security_events_approver_idx ON approver_security_events (approver, id DESC);

CREATE TRIGGER approver_security_events_append_only BEFORE UPDATE OR DELETE ON approver_security_events
  FOR EACH ROW EXECUTE FUNCTION forge_refuse_change();
CREATE TRIGGER approver_security_events_no_truncate BEFORE TRUNCATE ON approver_security_events
  FOR EACH STATEMENT EXECUTE FUNCTION forge_refuse_change();
