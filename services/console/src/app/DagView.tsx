import { useEffect, useMemo, useState } from 'react';
import { Background, Controls, Handle, Position, ReactFlow } from '@xyflow/react';
import type { Edge, Node, NodeProps } from '@xyflow/react';
import ELK from 'elkjs/lib/elk.bundled.js';
import { elkGraphOf, structureKeyOf } from '../model/dag.js';
import type { Dag, DagNode } from '../model/dag.js';
import { NODE_STATUS_LABELS } from '../model/node-status.js';

const elk = new ELK();

type StepNode = Node<{ step: DagNode; selected: boolean }, 'step'>;

/** One step: name, status, agent and tool.action; its status is also in text (never colour alone). */
function StepNodeView({ data }: NodeProps<StepNode>) {
  const { step } = data;
  return (
    <div
      className={`dag-node node-${step.status}${data.selected ? ' is-selected' : ''}`}
      data-step-id={step.id}
      data-status={step.status}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <strong>{step.name}</strong>
      <span className={`badge node-badge-${step.status}`}>
        {NODE_STATUS_LABELS[step.status]}
        {step.attempt > 1 ? ` · attempt ${step.attempt}` : ''}
      </span>
      <span className="muted small">
        {step.agent} · {step.tool}
      </span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { step: StepNodeView };

/**
 * The plan as a graph laid out by ELK (layered, left to right). The layout is computed again only when the plan's
 * structure changes (a revision), so live status changes only repaint the nodes. Selecting a node (click, or
 * Enter on a focused node) opens its step panel.
 */
export function DagView({
  dag,
  selected,
  onSelect,
}: {
  dag: Dag;
  selected?: string;
  onSelect: (stepId: string) => void;
}) {
  const structure = structureKeyOf(dag);
  const [positions, setPositions] = useState<ReadonlyMap<string, { x: number; y: number }>>();
  const [layoutError, setLayoutError] = useState<string>();

  useEffect(() => {
    let current = true;
    elk.layout(elkGraphOf(dag) as Parameters<typeof elk.layout>[0]).then(
      (laid) =>
        current &&
        setPositions(new Map((laid.children ?? []).map((child) => [child.id, { x: child.x ?? 0, y: child.y ?? 0 }]))),
      (error: Error) => current && setLayoutError(error.message),
    );
    return () => void (current = false);
    // Only the structure decides the layout; `dag` changes with every status update.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [structure]);

  const nodes = useMemo<StepNode[]>(
    () =>
      dag.nodes.map((step) => ({
        id: step.id,
        type: 'step',
        position: positions?.get(step.id) ?? { x: 0, y: 0 },
        data: { step, selected: step.id === selected },
        ariaLabel: `${step.name}: ${NODE_STATUS_LABELS[step.status]}`,
      })),
    [dag, positions, selected],
  );
  const edges = useMemo<Edge[]>(
    () =>
      dag.edges.map((edge) => ({
        ...edge,
        animated: dag.nodes.find((n) => n.id === edge.target)?.status === 'running',
      })),
    [dag],
  );

  if (layoutError)
    return (
      <p role="alert" className="error">
        The plan could not be laid out: {layoutError}
      </p>
    );
  if (!positions) return <p className="muted">Laying out the plan…</p>;
  return (
    <div className="dag" data-testid="dag">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        colorMode="system"
        fitView
        nodesDraggable={false}
        nodesConnectable={false}
        onNodeClick={(_event, node) => onSelect(node.id)}
        onNodesChange={(changes) =>
          changes.forEach((change) => change.type === 'select' && change.selected && onSelect(change.id))
        }
        proOptions={{ hideAttribution: false }}
        minZoom={0.3}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
