import type { RunState } from '@ledgerflow/domain';
import { nodeStatusOf } from './node-status.js';
import type { NodeStatus } from './node-status.js';

/** One plan step as a node of the run's graph. */
export interface DagNode {
  readonly id: string;
  readonly name: string;
  readonly agent: string;
  /** `tool.action`, or `external` for a step completed over the API. */
  readonly tool: string;
  readonly status: NodeStatus;
  readonly attempt: number;
}

/** A dependency: `target` starts only after `source` succeeded or was skipped. */
export interface DagEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
}

export interface Dag {
  readonly nodes: readonly DagNode[];
  readonly edges: readonly DagEdge[];
}

/** Node size the layout reserves, in CSS pixels (the node component is drawn to fit it). */
export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 84;

/**
 * The run's current plan (after every revision) as nodes in plan order and dependency edges; dependencies on
 * steps no longer in the plan are left out. Empty before `PlanCreated`.
 */
export function dagOf(state: RunState): Dag {
  const steps = state.plan?.steps ?? [];
  const ids = new Set(steps.map((step) => step.id));
  return {
    nodes: steps.map((step) => ({
      id: step.id,
      name: step.name,
      agent: step.agent,
      tool: step.kind === 'external' ? 'external' : `${step.tool}.${step.action}`,
      status: nodeStatusOf(state, step),
      attempt: state.steps[step.id]?.attempt ?? 0,
    })),
    edges: steps.flatMap((step) =>
      step.dependsOn
        .filter((dependency) => ids.has(dependency))
        .map((dependency) => ({ id: `${dependency}->${step.id}`, source: dependency, target: step.id })),
    ),
  };
}

/** The input of an ELK layered layout (left to right) for `dag`: only its structure, so a status change needs no new layout. */
export interface ElkGraphInput {
  readonly id: string;
  readonly layoutOptions: Readonly<Record<string, string>>;
  readonly children: ReadonlyArray<{ readonly id: string; readonly width: number; readonly height: number }>;
  readonly edges: ReadonlyArray<{
    readonly id: string;
    readonly sources: readonly string[];
    readonly targets: readonly string[];
  }>;
}

export function elkGraphOf(dag: Dag): ElkGraphInput {
  return {
    id: 'plan',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '32',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
    },
    children: dag.nodes.map((node) => ({ id: node.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: dag.edges.map((edge) => ({ id: edge.id, sources: [edge.source], targets: [edge.target] })),
  };
}

/** A key that changes only when the graph's structure does (nodes or edges), to know when to lay it out again. */
export function structureKeyOf(dag: Dag): string {
  return JSON.stringify([dag.nodes.map((node) => node.id), dag.edges.map((edge) => edge.id)]);
}
