import type { StreamState } from './sse.js';

function textOf(state: StreamState): string {
  switch (state.kind) {
    case 'live':
      return 'live';
    case 'connecting':
      return 'connecting…';
    case 'ended':
      return 'run ended: stream closed';
    case 'reconnecting':
      return `reconnecting (${state.reason})`;
    case 'refused':
      return `live updates refused: ${state.error.message} (${state.error.code})`;
  }
}

/** Whether the page is receiving live updates, announced politely to screen readers when it changes. */
export function LiveBadge({ state }: { state: StreamState }) {
  return (
    <p className={`live live-${state.kind}`} role="status" data-testid="stream-state">
      {textOf(state)}
    </p>
  );
}
