// The API's documents (docs/openapi.json), the fields the screens read.

export interface JobView {
  id: string;
  status: string;
  cms: string;
  name: string;
  slug: string;
  version: string;
  requested_by: string;
  current_step: string | null;
  error: string | null;
  package_id: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface RunView {
  id: string;
  step: string;
  attempt: number;
  status: string;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  artifacts: Record<string, unknown>;
}

export interface ApprovalRequestView {
  id: string;
  plugin_package_id: string;
  job_id: string | null;
  requested_by: string;
  status: string;
  required_approvals: number;
  created_at: string;
  expires_at: string | null;
  decided_at: string | null;
}

export interface ApprovalView {
  id: string;
  approver_id: string;
  approver_role: string;
  approved: boolean;
  comment: string | null;
  mfa_verified: boolean;
  created_at: string;
}

export interface PackageView {
  id: string;
  name: string;
  slug: string;
  version: string;
  cms: string;
  status: string;
  zip_sha256: string | null;
  signing_key_id: string | null;
  revoked_at: string | null;
  revocation_reason: string | null;
  created_by: string;
  created_at: string;
}

export interface JobDetail {
  job: JobView;
  runs: RunView[];
  package: PackageView | null;
  approval_request: ApprovalRequestView | null;
  approvals: ApprovalView[];
}

export interface JobPage {
  items: JobView[];
  next_cursor: string | null;
}

export interface PackagePage {
  items: PackageView[];
  next_cursor: string | null;
}

export interface RunLog {
  run_id: string;
  step: string;
  attempt: number;
  status: string;
  text: string;
}

export interface LogPage {
  runs: RunLog[];
  cursor: string;
}

export interface StepStats {
  runs: number;
  failed: number;
  success_rate: number | null;
  avg_duration_ms: number | null;
}

export interface StatsView {
  days: number;
  total: number;
  success: number;
  failed: number;
  cancelled: number;
  running: number;
  queued: number;
  awaiting_approval: number;
  success_rate: number | null;
  avg_duration_seconds: number | null;
  steps: Record<string, StepStats>;
  gauges: { jobs_queued: number; jobs_running: number; approvals_pending: number };
}

export interface QueuedApproval {
  request: ApprovalRequestView;
  package: PackageView;
  approvals: ApprovalView[];
}

export interface ApprovalQueue {
  items: QueuedApproval[];
}

export interface DecisionView {
  approval: ApprovalView;
  request: ApprovalRequestView;
  released: boolean;
}

export interface ContractTestView {
  test_suite: string;
  test_name: string;
  result: string;
}

export interface CompatibilityView {
  cms: string;
  cms_version: string;
  php_version: string;
  tested: boolean;
  test_result: string;
}

export interface PublicationView {
  id: string;
  marketplace_connector_id: string;
  publication_status: string;
  url: string | null;
  error: string | null;
  published_at: string | null;
}

export interface PublicKey {
  key_id: string;
  algorithm: string;
  backend: string;
  status: string;
  created_at: string;
  activated_at: string;
  retired_at: string | null;
}

export interface Keyset {
  schema: string;
  keys: PublicKey[];
}

export interface SignatureView {
  signature: string | null;
  signing_key_id: string | null;
  zip_sha256: string | null;
  manifest: Record<string, unknown> | null;
}

export interface PackageDetail {
  package: PackageView;
  signature: SignatureView;
  contract_tests: ContractTestView[];
  compatibility: CompatibilityView[];
  approval_requests: ApprovalRequestView[];
  approvals: ApprovalView[];
  publications: PublicationView[];
}

export interface FileDiff {
  path: string;
  change: string;
  diff: string;
  note: string | null;
}

export interface ReviewView {
  package: PackageView;
  job: JobView | null;
  spec: Record<string, unknown>;
  runs: RunView[];
  scan_findings: string[];
  contract_tests: ContractTestView[];
  compatibility: CompatibilityView[];
  sbom: { spec_version: string | null; files: number; dependencies: string[] } | null;
  signature: SignatureView;
  signing_key: PublicKey | null;
  diff: { base_package_id: string | null; base_version: string | null; files: FileDiff[]; unchanged: number; truncated: boolean };
  approval_requests: ApprovalRequestView[];
  approvals: ApprovalView[];
}
