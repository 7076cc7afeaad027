import { comparedWith, PREVIOUS, shownValue } from './replay.js';
import type { Checkpoint } from './replay.js';

const cp = (n: number): Checkpoint => ({
  id: `cp-${n}`,
  revision: n * 3,
  type: 'StepSucceeded',
  stepId: `r${n}`,
  summary: `r${n} succeeded`,
});
const checkpoints = [cp(1), cp(2), cp(3)];

describe('the replay timeline', () => {
  it('compares the selected checkpoint with the one before it unless another is chosen', () => {
    expect(comparedWith(checkpoints, 1, PREVIOUS)?.id).toBe('cp-1');
    expect(comparedWith(checkpoints, 0, PREVIOUS)).toBeUndefined();
    expect(comparedWith(checkpoints, 0, 'cp-3')?.id).toBe('cp-3');
    expect(comparedWith(checkpoints, 2, 'cp-3')?.id).toBe('cp-2'); // not with itself
    expect(comparedWith(checkpoints, 2, 'cp-9')?.id).toBe('cp-2'); // no longer listed
  });

  it('prints values as compact JSON, cut when long', () => {
    expect(shownValue({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(shownValue(undefined)).toBe('');
    expect(shownValue('x'.repeat(500), 10)).toHaveLength(10);
  });
});
