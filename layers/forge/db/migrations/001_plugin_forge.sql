-- Plugin Forge schema: the specification's 10 tables, its 4 functions and triggers,
-- plus the signing keyset and the approval requests that hold Step Functions task tokens.
-- UUID keys come from the built-in gen_random_uuid() (PostgreSQL 13+, no pgcrypto needed).

CREATE OR REPLACE FUNCTION forge_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- 1. plugin_packages: one row per package the forge builds.
CREATE TABLE plugin_packages (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug              text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  version           text NOT NULL CHECK (length(version) BETWEEN 1 AND 40),
  cms               text NOT NULL CHECK (cms IN ('woocommerce', 'prestashop', 'magento', 'shopify')),
  manifest          jsonb,
  signature         text,
  signing_key_id    text,
  zip_sha256        text CHECK (zip_sha256 ~ '^[0-9a-f]{64}$'),
  artifact_uri      text,
  status            text NOT NULL DEFAULT 'building'
                    CHECK (status IN ('building', 'built', 'signed', 'awaiting_approval', 'approved',
                                      'published', 'rejected', 'failed', 'revoked')),
  revoked_at        timestamptz,
  revocation_reason text,
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
  CHECK (status <> 'revoked' OR length(coalesce(revocation_reason, '')) > 0)
);
CREATE INDEX plugin_packages_cms_status_idx ON plugin_packages (cms, status);
CREATE INDEX plugin_packages_slug_idx ON plugin_packages (slug, version);
CREATE INDEX plugin_packages_created_by_idx ON plugin_packages (created_by);
CREATE TRIGGER plugin_packages_updated_at BEFORE UPDATE ON plugin_packages
  FOR EACH ROW EXECUTE FUNCTION forge_touch_updated_at();

-- 2. forge_jobs: one row per request to produce a package.
CREATE TABLE forge_jobs (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plugin_package_id uuid REFERENCES plugin_packages (id),
  requested_by      text NOT NULL CHECK (length(requested_by) > 0),
  params            jsonb NOT NULL,
  cms               text NOT NULL,
  status            text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'awaiting_approval', 'success', 'failed', 'cancelled')),
  current_step      text,
  idempotency_key   text UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  execution_arn     text,
  error             text,
  retry_of          uuid REFERENCES forge_jobs (id),
  started_at        timestamptz,
  finished_at       timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (status NOT IN ('success', 'failed', 'cancelled') OR finished_at IS NOT NULL)
);
CREATE INDEX forge_jobs_status_idx ON forge_jobs (status, created_at DESC);
CREATE INDEX forge_jobs_created_idx ON forge_jobs (created_at DESC, id DESC);
CREATE INDEX forge_jobs_requested_by_idx ON forge_jobs (requested_by, created_at DESC);
CREATE INDEX forge_jobs_package_idx ON forge_jobs (plugin_package_id);
CREATE TRIGGER forge_jobs_updated_at BEFORE UPDATE ON forge_jobs
  FOR EACH ROW EXECUTE FUNCTION forge_touch_updated_at();

-- 3. forge_runs: one row per step execution of a job (a re-delivered task reuses its row).
CREATE TABLE forge_runs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id       uuid NOT NULL REFERENCES forge_jobs (id) ON DELETE CASCADE,
  step         text NOT NULL CHECK (step IN ('generate', 'build', 'test', 'sandbox', 'package', 'sign',
                                             'approval', 'publish')),
  attempt      integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  -- "<execution>:<retry count>": the same task delivered twice reuses this row instead of adding one.
  delivery_key text NOT NULL DEFAULT 'manual',
  status       text NOT NULL DEFAULT 'running'
               CHECK (status IN ('running', 'success', 'failed', 'cancelled')),
  logs         text NOT NULL DEFAULT '',
  artifacts    jsonb NOT NULL DEFAULT '{}'::jsonb,
  error        text,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  duration_ms  bigint,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, step, attempt),
  UNIQUE (job_id, step, delivery_key),
  CHECK ((status = 'running') = (finished_at IS NULL)),
  CHECK (finished_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX forge_runs_job_idx ON forge_runs (job_id, started_at);
CREATE INDEX forge_runs_step_status_idx ON forge_runs (step, status);

CREATE OR REPLACE FUNCTION forge_runs_duration() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.finished_at IS NOT NULL THEN
    NEW.duration_ms := GREATEST(0, round(extract(epoch FROM (NEW.finished_at - NEW.started_at)) * 1000))::bigint;
  ELSE
    NEW.duration_ms := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER forge_runs_duration BEFORE INSERT OR UPDATE ON forge_runs
  FOR EACH ROW EXECUTE FUNCTION forge_runs_duration();
CREATE TRIGGER forge_runs_updated_at BEFORE UPDATE ON forge_runs
  FOR EACH ROW EXECUTE FUNCTION forge_touch_updated_at();

-- Approval requests: the package waiting for approvers, and the task token that releases it.
CREATE TABLE approval_requests (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plugin_package_id  uuid NOT NULL REFERENCES plugin_packages (id),
  job_id             uuid REFERENCES forge_jobs (id),
  requested_by       text NOT NULL,
  required_approvals integer NOT NULL CHECK (required_approvals BETWEEN 1 AND 10),
  task_token         text,
  status             text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
  decided_at         timestamptz,
  expires_at         timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'pending') = (decided_at IS NULL))
);
-- At most one open request per package: a re-delivered wait task refreshes it instead of adding one.
CREATE UNIQUE INDEX approval_requests_one_pending ON approval_requests (plugin_package_id) WHERE status = 'pending';
CREATE INDEX approval_requests_job_idx ON approval_requests (job_id);
CREATE TRIGGER approval_requests_updated_at BEFORE UPDATE ON approval_requests
  FOR EACH ROW EXECUTE FUNCTION forge_touch_updated_at();

-- 4. forge_approvals: each approver's decision, counted once per package.
CREATE TABLE forge_approvals (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plugin_package_id   uuid NOT NULL REFERENCES plugin_packages (id),
  approval_request_id uuid REFERENCES approval_requests (id),
  approver_id         text NOT NULL CHECK (length(approver_id) > 0),
  approver_role       text NOT NULL CHECK (approver_role IN ('plugin_forge_ops', 'pay_admin')),
  approved            boolean NOT NULL,
  comment             text,
  mfa_verified        boolean NOT NULL DEFAULT false,
  signature           text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (plugin_package_id, approver_id)
);
CREATE INDEX forge_approvals_request_idx ON forge_approvals (approval_request_id);

-- 5. plugin_contract_tests
CREATE TABLE plugin_contract_tests (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plugin_package_id uuid NOT NULL REFERENCES plugin_packages (id) ON DELETE CASCADE,
  job_id            uuid REFERENCES forge_jobs (id),
  test_suite        text NOT NULL CHECK (test_suite IN ('unit', 'events', 'webhooks', 'permissions', 'compatibility')),
  test_name         text NOT NULL,
  result            text NOT NULL CHECK (result IN ('pass', 'fail', 'skip')),
  details           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (plugin_package_id, test_suite, test_name)
);

-- 6. plugin_compatibilities
CREATE TABLE plugin_compatibilities (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plugin_package_id uuid NOT NULL REFERENCES plugin_packages (id) ON DELETE CASCADE,
  cms               text NOT NULL,
  cms_version       text NOT NULL,
  php_version       text NOT NULL DEFAULT '',
  tested            boolean NOT NULL DEFAULT false,
  test_result       text NOT NULL DEFAULT 'untested' CHECK (test_result IN ('pass', 'fail', 'untested')),
  details           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (plugin_package_id, cms, cms_version, php_version)
);
CREATE TRIGGER plugin_compatibilities_updated_at BEFORE UPDATE ON plugin_compatibilities
  FOR EACH ROW EXECUTE FUNCTION forge_touch_updated_at();

-- 7. sira_generation_audit: write once, read many. Each row holds the previous row's hash.
CREATE TABLE sira_generation_audit (
  id             bigserial PRIMARY KEY,
  audit_id       uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  job_id         uuid REFERENCES forge_jobs (id),
  provider       text NOT NULL,
  model_version  text NOT NULL,
  prompt         text NOT NULL,
  prompt_hash    text NOT NULL CHECK (prompt_hash ~ '^[0-9a-f]{64}$'),
  response_hash  text NOT NULL CHECK (response_hash ~ '^[0-9a-f]{64}$'),
  metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash      text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  row_hash       text NOT NULL CHECK (row_hash ~ '^[0-9a-f]{64}$'),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sira_generation_audit_job_idx ON sira_generation_audit (job_id);

CREATE OR REPLACE FUNCTION forge_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER sira_generation_audit_append_only BEFORE UPDATE OR DELETE ON sira_generation_audit
  FOR EACH ROW EXECUTE FUNCTION forge_refuse_change();
CREATE TRIGGER sira_generation_audit_no_truncate BEFORE TRUNCATE ON sira_generation_audit
  FOR EACH STATEMENT EXECUTE FUNCTION forge_refuse_change();

-- 8. forge_secrets: references into the secret store, or an encrypted fallback value.
CREATE TABLE forge_secrets (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name              text NOT NULL UNIQUE,
  secret_type       text NOT NULL CHECK (secret_type IN ('api_key', 'signing_key', 'cms_credential', 'mfa_seed')),
  vault_path        text,
  encrypted_value   bytea,
  rotation_schedule text,
  last_rotated_at   timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (vault_path IS NOT NULL OR encrypted_value IS NOT NULL)
);
CREATE TRIGGER forge_secrets_updated_at BEFORE UPDATE ON forge_secrets
  FOR EACH ROW EXECUTE FUNCTION forge_touch_updated_at();

-- 9. marketplace_connectors
CREATE TABLE marketplace_connectors (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name           text NOT NULL UNIQUE,
  connector_type text NOT NULL CHECK (connector_type IN ('wordpress_org', 'shopify_app_store', 'molam', 'prestashop_addons')),
  cms            text[] NOT NULL,
  base_url       text NOT NULL,
  enabled        boolean NOT NULL DEFAULT true,
  config         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER marketplace_connectors_updated_at BEFORE UPDATE ON marketplace_connectors
  FOR EACH ROW EXECUTE FUNCTION forge_touch_updated_at();

INSERT INTO marketplace_connectors (name, connector_type, cms, base_url, enabled, config) VALUES
  ('WordPress.org Plugin Directory', 'wordpress_org', ARRAY['woocommerce'], 'https://plugins.svn.wordpress.org', false,
   '{"note": "SVN publishing needs WordPress.org committer credentials"}'),
  ('Shopify App Store', 'shopify_app_store', ARRAY['shopify'], 'https://partners.shopify.com', false, '{}'),
  ('Molam Marketplace', 'molam', ARRAY['woocommerce', 'prestashop', 'magento', 'shopify'], 'internal://marketplace', true,
   '{"internal": true}'),
  ('PrestaShop Addons', 'prestashop_addons', ARRAY['prestashop'], 'https://addons.prestashop.com', false, '{}');

-- 10. plugin_publications
CREATE TABLE plugin_publications (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  plugin_package_id        uuid NOT NULL REFERENCES plugin_packages (id),
  marketplace_connector_id uuid NOT NULL REFERENCES marketplace_connectors (id),
  publication_status       text NOT NULL DEFAULT 'pending'
                           CHECK (publication_status IN ('pending', 'published', 'failed', 'retracted')),
  external_id              text,
  url                      text,
  error                    text,
  published_at             timestamptz,
  retracted_at             timestamptz,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (plugin_package_id, marketplace_connector_id),
  CHECK (publication_status <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX plugin_publications_status_idx ON plugin_publications (publication_status);
CREATE TRIGGER plugin_publications_updated_at BEFORE UPDATE ON plugin_publications
  FOR EACH ROW EXECUTE FUNCTION forge_touch_updated_at();

-- The signing keyset: every public key the forge ever signed with, and which one is active.
CREATE TABLE signing_keys (
  key_id        text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{64}$'),
  public_pem    text NOT NULL,
  backend       text NOT NULL CHECK (backend IN ('pkcs11', 'kms', 'vault')),
  backend_ref   text NOT NULL,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired', 'compromised')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  activated_at  timestamptz NOT NULL DEFAULT now(),
  retired_at    timestamptz,
  CHECK ((status = 'active') = (retired_at IS NULL))
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE status = 'active';

-- Functions named by the specification.

CREATE OR REPLACE FUNCTION has_minimum_approvals(p_plugin_package_id uuid, p_min_approvals integer DEFAULT 2)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT count(DISTINCT approver_id) >= p_min_approvals
  FROM forge_approvals
  WHERE plugin_package_id = p_plugin_package_id AND approved
$$;

CREATE OR REPLACE FUNCTION get_forge_job_stats(p_days integer DEFAULT 7)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH jobs AS (
    SELECT * FROM forge_jobs WHERE created_at >= now() - make_interval(days => p_days)
  ), totals AS (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE status = 'success') AS success,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE status = 'running') AS running,
           count(*) FILTER (WHERE status = 'queued') AS queued,
           count(*) FILTER (WHERE status = 'awaiting_approval') AS awaiting_approval,
           avg(extract(epoch FROM finished_at - started_at)) FILTER (WHERE status = 'success') AS avg_seconds
    FROM jobs
  ), steps AS (
    SELECT coalesce(jsonb_object_agg(step, jsonb_build_object(
             'runs', n, 'failed', failed, 'avg_duration_ms', avg_ms)), '{}'::jsonb) AS by_step
    FROM (
      SELECT r.step, count(*) AS n, count(*) FILTER (WHERE r.status = 'failed') AS failed,
             round(avg(r.duration_ms))::bigint AS avg_ms
      FROM forge_runs r JOIN jobs j ON j.id = r.job_id
      GROUP BY r.step
    ) s
  )
  SELECT jsonb_build_object(
    'days', p_days,
    'total', t.total, 'success', t.success, 'failed', t.failed, 'cancelled', t.cancelled,
    'running', t.running, 'queued', t.queued, 'awaiting_approval', t.awaiting_approval,
    'success_rate', CASE WHEN t.success + t.failed = 0 THEN NULL
                         ELSE round(t.success::numeric / (t.success + t.failed), 4) END,
    'avg_duration_seconds', round(t.avg_seconds::numeric, 1),
    'steps', s.by_step)
  FROM totals t, steps s
$$;

CREATE OR REPLACE FUNCTION get_package_by_slug_version(p_slug text, p_version text)
RETURNS SETOF plugin_packages LANGUAGE sql STABLE AS $$
  -- The package merchants get for slug@version: the published one, else the newest.
  SELECT * FROM plugin_packages
  WHERE slug = p_slug AND version = p_version
  ORDER BY (status = 'published') DESC, created_at DESC
  LIMIT 1
$$;

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
     SET publication_status = 'retracted', retracted_at = now()
   WHERE plugin_package_id = p_plugin_package_id AND publication_status <> 'retracted';
  UPDATE approval_requests SET status = 'cancelled', decided_at = now()
   WHERE plugin_package_id = p_plugin_package_id AND status = 'pending';
  RETURN pkg;
END $$;
