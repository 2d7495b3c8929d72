-- Workflow callbacks: an outbox between a decision and the workflow waiting on it. Closing an approval request and
-- queueing the SendTaskSuccess/Failure that releases its workflow happen in one transaction; the callback is then
-- delivered at once and, if Step Functions cannot be reached, retried by a sweeper until it is acknowledged. So an
-- approval can never be recorded without its workflow being released (or told why not).
CREATE TABLE workflow_callbacks (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- One callback per decided request: a second close (or a re-queued revocation) adds nothing.
  approval_request_id uuid NOT NULL UNIQUE REFERENCES approval_requests (id),
  job_id              uuid REFERENCES forge_jobs (id),
  task_token          text NOT NULL CHECK (length(task_token) > 0),
  outcome             text NOT NULL CHECK (outcome IN ('success', 'failure')),
  output              jsonb,
  error               text,
  cause               text,
  attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error          text,
  -- A sweeper or the deciding request claims a due callback by moving this forward (a lease), so two never send it.
  next_attempt_at     timestamptz NOT NULL DEFAULT now(),
  delivered_at        timestamptz,
  -- Step Functions said the token is no longer waited on (timed out, execution gone): nothing left to deliver.
  abandoned_at        timestamptz,
  abandoned_reason    text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((outcome = 'success') = (output IS NOT NULL)),
  CHECK ((outcome = 'failure') = (error IS NOT NULL)),
  CHECK (delivered_at IS NULL OR abandoned_at IS NULL),
  CHECK ((abandoned_at IS NULL) = (abandoned_reason IS NULL))
);
CREATE INDEX workflow_callbacks_due_idx ON workflow_callbacks (next_attempt_at)
  WHERE delivered_at IS NULL AND abandoned_at IS NULL;
