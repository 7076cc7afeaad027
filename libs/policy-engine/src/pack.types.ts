/**
 * Policy packs (docs/policies.md, "Packs"): versioned files `<id>@<version>` loaded from `LEDGERFLOW_POLICY_DIRS`.
 * Four kinds:
 * - `capability`: Cedar policies (`<id>@<version>.cedar`), deciding whether an agent may take an action;
 * - `approval`: conditions that require a human gate (reviewers, SLA, escalation chain);
 * - `privacy`: JSON paths to mask and PII detectors applied before anything is persisted or exported;
 * - `compliance`: audit requirements (an audit record per evaluated action).
 */
export type PackKind = 'capability' | 'approval' | 'privacy' | 'compliance';

interface PackBase {
  readonly id: string;
  /** Semantic version `MAJOR.MINOR.PATCH`. */
  readonly version: string;
  /** The file it was read from (or `builtin:<id>@<version>`). */
  readonly source: string;
  /** sha256 (hex) of the file's text: part of every audit id, so an edited pack changes audit ids. */
  readonly digest: string;
  readonly description?: string;
}

/** One Cedar policy of a capability pack, named by its `@id("...")` annotation. */
export interface CedarPolicy {
  /** The `@id` annotation: unique within its pack. */
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  /** The policy's Cedar text (annotations included). */
  readonly text: string;
  /** 1-based line of the policy in its file. */
  readonly line: number;
  /** `@rationale`: the message when the policy is satisfied (a forbid denies, a permit allows). */
  readonly rationale?: string;
  /** `@otherwise`: the message when it is not satisfied. */
  readonly otherwise?: string;
}

export interface CapabilityPack extends PackBase {
  readonly kind: 'capability';
  readonly policies: readonly CedarPolicy[];
}

/** Who may decide a gate: a user (bare id or `user:<id>`), `role:<role>` or `team:<team>`. */
export type Reviewer = string;

/**
 * One approval condition: on a step in scope, a gate is required when `input[field] > above`, or (a rule with
 * `learnedRecovery: true` and no `field`) whenever the step is in scope. A rule has `field` and `above`,
 * `learnedRecovery: true`, or all three.
 */
export interface ApprovalRule {
  readonly id: string;
  /** The rule applies to steps carrying one of these policy tags (any step when absent). */
  readonly tags?: readonly string[];
  /** ... and only to these `tool.action` capabilities (any when absent). */
  readonly capabilities?: readonly string[];
  /** ... and, when true, only to steps a learned recovery rule added (`PolicyFacts.learnedFrom`). */
  readonly learnedRecovery?: true;
  /** A dotted path into the step's resolved input, e.g. `amount` or `payment.amount`; with `above`. */
  readonly field?: string;
  /** The threshold: a value strictly above it requires the gate; with `field`. */
  readonly above?: number;
  readonly rationale: string;
  /** Normalised: users as bare ids, `role:<r>`, `team:<t>`. */
  readonly reviewers: readonly Reviewer[];
  readonly slaSeconds?: number;
  readonly escalateTo?: readonly Reviewer[];
}

export interface ApprovalPack extends PackBase {
  readonly kind: 'approval';
  readonly rules: readonly ApprovalRule[];
}

/** PII detectors known to Ledgerflow's privacy library. */
export const PRIVACY_DETECTORS = ['email', 'phone', 'card', 'iban'] as const;
export type PrivacyDetector = (typeof PRIVACY_DETECTORS)[number];

/** Same file format as read by `@ledgerflow/privacy`: `mask.paths` (`$.a.b`, `$.a[*].b`, `$..key`), `mask.detectors`. */
export interface PrivacyPack extends PackBase {
  readonly kind: 'privacy';
  readonly mask: { readonly paths: readonly string[]; readonly detectors: readonly PrivacyDetector[] };
}

export interface CompliancePack extends PackBase {
  readonly kind: 'compliance';
  /** `required`: every evaluated action has an audit record (the `StepPolicyEvaluated` event, id = `auditId`). */
  readonly audit: 'required';
  /** Standards or internal controls the pack implements, e.g. `SOX 404`; quoted in the rule result. */
  readonly controls?: readonly string[];
}

export type ObligationPack = ApprovalPack | PrivacyPack | CompliancePack;
export type PolicyPack = CapabilityPack | ObligationPack;

/** `<id>@<version>`, the name rule results carry in `pack`. */
export const packKey = (pack: { readonly id: string; readonly version: string }): string =>
  `${pack.id}@${pack.version}`;

/**
 * A loaded, validated set of packs, ready to evaluate: packs sorted by `<id>@<version>`, their Cedar
 * policies pre-parsed once (`preparsePolicySet`) under `cedarSetId`. Build with `compilePolicyPacks`
 * or `loadPolicyPacks`.
 */
export interface PolicyPackSet {
  readonly packs: readonly PolicyPack[];
  /** Id of the pre-parsed Cedar policy set (content-addressed: the same policies share one id). */
  readonly cedarSetId: string;
  /** Every Cedar policy with its pack, in pack order then file order; the Cedar policy id is `<pack>/<id>`. */
  readonly cedarPolicies: readonly { readonly pack: string; readonly key: string; readonly policy: CedarPolicy }[];
  /** sha256 over every pack's `<id>@<version>#<digest>`: the packs' part of each audit id. */
  readonly digest: string;
}
