-- Marketplace connectors: every enabled connector for a package's platform gets a publication, each with its own
-- state, retried on its own. A revocation no longer marks publications retracted by itself: it asks for a
-- retraction ('retracting'), and only the connector that took the release down moves it to 'retracted'.
--
--   pending ──> published ──> retracting ──> retracted
--      │  ^                      ^  │
--      v  │                      │  └ (a failed retraction stays here, alarmed, and is retried)
--    failed ─────────────────────┘
--
-- A pending publication may wait on a person (manual_action: what to do, e.g. an upload through a dashboard);
-- so may a retraction (closing a listing by the marketplace's documented route).

ALTER TABLE plugin_publications DROP CONSTRAINT plugin_publications_publication_status_check;
ALTER TABLE plugin_publications ADD CONSTRAINT plugin_publications_publication_status_check
  CHECK (publication_status IN ('pending', 'published', 'failed', 'retracting', 'retracted'));

ALTER TABLE plugin_publications
  ADD COLUMN connector_message text,
  ADD COLUMN manual_action     text,
  ADD COLUMN attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  ADD COLUMN last_attempt_at   timestamptz,
  -- A lease: whoever sends (the Publish step, a retry, the retraction sweeper) claims the row until then, so two
  -- never talk to the marketplace for the same publication at once.
  ADD COLUMN claimed_until     timestamptz,
  ADD CONSTRAINT plugin_publications_retracted_at CHECK (publication_status <> 'retracted' OR retracted_at IS NOT NULL),
  ADD CONSTRAINT plugin_publications_failed_has_error CHECK (publication_status <> 'failed' OR error IS NOT NULL);

CREATE INDEX plugin_publications_retracting_idx ON plugin_publications (last_attempt_at)
  WHERE publication_status = 'retracting';

-- The only moves a publication may make (a retraction is final; nothing goes back to published once a
-- retraction was asked for).
CREATE OR REPLACE FUNCTION forge_publication_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.publication_status = NEW.publication_status THEN
    IF OLD.publication_status = 'retracted' AND NEW IS DISTINCT FROM OLD THEN
      RAISE EXCEPTION 'publication % is retracted: final', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NOT (
       (OLD.publication_status = 'pending' AND NEW.publication_status IN ('published', 'failed', 'retracting'))
    OR (OLD.publication_status = 'failed' AND NEW.publication_status IN ('pending', 'published', 'retracting'))
    OR (OLD.publication_status = 'published' AND NEW.publication_status = 'retracting')
    OR (OLD.publication_status = 'retracting' AND NEW.publication_status = 'retracted')
  ) THEN
    RAISE EXCEPTION 'publication % cannot go from % to %', OLD.id, OLD.publication_status, NEW.publication_status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER plugin_publications_transition BEFORE UPDATE ON plugin_publications
  FOR EACH ROW EXECUTE FUNCTION forge_publication_transition();

-- Every transition and every attempt's outcome, append-only: what each connector did, when, and what it said.
CREATE TABLE plugin_publication_events (
  id              bigserial PRIMARY KEY,
  publication_id  uuid NOT NULL REFERENCES plugin_publications (id),
  from_status     text,
  to_status       text NOT NULL,
  message         text,
  attempts        integer NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX plugin_publication_events_publication_idx ON plugin_publication_events (publication_id, id);
CREATE TRIGGER plugin_publication_events_append_only BEFORE UPDATE OR DELETE ON plugin_publication_events
  FOR EACH ROW EXECUTE FUNCTION forge_refuse_change();
CREATE TRIGGER plugin_publication_events_no_truncate BEFORE TRUNCATE ON plugin_publication_events
  FOR EACH STATEMENT EXECUTE FUNCTION forge_refuse_change();

CREATE OR REPLACE FUNCTION forge_publication_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR OLD.publication_status IS DISTINCT FROM NEW.publication_status
     OR OLD.attempts IS DISTINCT FROM NEW.attempts OR OLD.connector_message IS DISTINCT FROM NEW.connector_message
     OR OLD.manual_action IS DISTINCT FROM NEW.manual_action THEN
    INSERT INTO plugin_publication_events (publication_id, from_status, to_status, message, attempts)
    VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.publication_status END, NEW.publication_status,
            coalesce(NEW.connector_message, NEW.error), NEW.attempts);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER plugin_publications_event AFTER INSERT OR UPDATE ON plugin_publications
  FOR EACH ROW EXECUTE FUNCTION forge_publication_event();

-- Revocation asks every connector that may hold the release to take it down; the connectors record the outcome.
CREATE OR REPLACE FUNCTION revoke_package(p_plugin_package_id uuid, p_reason text)
RETURNS plugin_packages LANGUAGE plpgsql AS $$
DECLARE
  pkg plugin_packages;
BEGIN
  IF p_reason IS NULL OR length(btrim(p_reason)) = 0 THEN
    RAISE EXCEPTION 'a revocation needs a reason' USING ERRCODE = 'check_violation';
  END IF;
  UPDATE plugin_packages
     SET status = 'revoked', revoked_at = coalesce(revoked_at, now()),
         revocation_reason = coalesce(revocation_reason, btrim(p_reason))
   WHERE id = p_plugin_package_id
  RETURNING * INTO pkg;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'package % not found', p_plugin_package_id USING ERRCODE = 'no_data_found';
  END IF;
  UPDATE plugin_publications
     SET publication_status = 'retracting', manual_action = NULL,
         connector_message = 'revoked: ' || pkg.revocation_reason
   WHERE plugin_package_id = p_plugin_package_id AND publication_status IN ('pending', 'published', 'failed');
  UPDATE approval_requests SET status = 'cancelled', decided_at = now()
   WHERE plugin_package_id = p_plugin_package_id AND status = 'pending';
  RETURN pkg;
END $$;

-- Marketplace credentials live in forge_secrets (a Vault path, a Secrets Manager ARN, or forge-home:<name> in the
-- local runtime's secret folder) and are due again rotation_schedule after last_rotated_at: an interval.
ALTER TABLE forge_secrets ADD CONSTRAINT forge_secrets_rotation_schedule_interval
  CHECK (rotation_schedule IS NULL OR rotation_schedule::interval > interval '0');
-- A connector's settings never carry a credential: they name the forge_secrets row instead ("secret").
ALTER TABLE marketplace_connectors ADD CONSTRAINT marketplace_connectors_no_credentials
  CHECK (NOT (config ?| ARRAY['password', 'token', 'api_key', 'api-key', 'secret_value', 'partners_token']));
