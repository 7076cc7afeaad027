import type { RecommendationEvidence } from '@ledgerflow/contracts';
import type { MemoryFacts } from '../memory-facts.js';

/**
 * What the recommender knows of the workflow's latest registered definition (`WorkflowVersionRegistered`), read
 * by the caller: each step's tool, action, agent and own confidence threshold, and the workflow's threshold.
 * Absent: proposals that need it (a pre-validation step's tool and agent) are left out, and a confidence proposal
 * says the threshold in force is unknown.
 */
export interface DefinitionOutline {
  readonly minConfidence?: number;
  readonly steps: readonly {
    readonly id: string;
    readonly tool: string;
    readonly action: string;
    readonly agent: string;
    readonly minConfidence?: number;
  }[];
}

/** What `propose` needs besides the facts: the time to stamp (`proposedAt`, ISO-8601 UTC) and the definition. */
export interface ProposalContext {
  readonly now: string;
  readonly definition?: DefinitionOutline;
}

/** What each kind's rule reads: the facts of one workflow, its scope and run count, and the evidence window. */
export interface ProposalInput extends ProposalContext {
  readonly facts: MemoryFacts;
  readonly workflowId: string;
  readonly scope: readonly string[];
  readonly scopeKey: string;
  /** Production runs seen (`MemoryFacts.runCount`). */
  readonly runs: number;
  /** First and last time of the latest `EVIDENCE_WINDOW_RUNS` finished runs (trigger of the first, end of the last). */
  readonly window: Pick<RecommendationEvidence, 'from' | 'to'>;
}
