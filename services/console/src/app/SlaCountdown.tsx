import { useEffect, useState } from 'react';
import { slaOf } from '../model/gate-review.js';
import { formatTime } from './RunsPage.js';

/**
 * A gate's deadline, counting down each second (a clock, not a request: the gate itself is followed over the
 * stream), with the escalation level it reached and who comes next.
 */
export function SlaCountdown({
  dueAt,
  level,
  escalateTo,
}: {
  dueAt?: string | undefined;
  level: number;
  escalateTo?: readonly string[] | undefined;
}) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!dueAt) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [dueAt]);
  const sla = slaOf(dueAt, now);
  const escalation = level > 0 ? `escalation level ${level}` : 'not escalated';
  return (
    <span data-testid="gate-sla">
      {sla && dueAt ? (
        <>
          <span className={sla.overdue ? 'error' : ''}>{sla.text}</span> (
          <time dateTime={dueAt}>{formatTime(dueAt)}</time>)
        </>
      ) : (
        'no deadline'
      )}
      ; {escalation}
      {escalateTo && escalateTo.length > 0 ? `, next ${escalateTo.join(', ')}` : ''}
    </span>
  );
}
