import { categoryOf, eventSubject, subjectToken } from './event-subject.js';

describe('eventSubject', () => {
  it('is lf.evt.<category>.<streamId>.<type>, the category being the stream id before its first dash', () => {
    expect(eventSubject({ streamId: 'run-7f3a-22', type: 'StepStarted' })).toBe('lf.evt.run.run-7f3a-22.StepStarted');
    expect(eventSubject({ streamId: 'memory-claims', type: 'LearningRecorded' })).toBe(
      'lf.evt.memory.memory-claims.LearningRecorded',
    );
  });

  it('uses the whole id as category when it has no dash', () => {
    expect(categoryOf('audit')).toBe('audit');
    expect(categoryOf('-odd')).toBe('-odd');
  });

  it('replaces characters a subject token cannot hold, keeping five tokens', () => {
    expect(subjectToken('a.b*c>d e')).toBe('a_b_c_d_e');
    expect(subjectToken('')).toBe('_');
    expect(eventSubject({ streamId: 'run-1.2', type: 'Step Started' }).split('.')).toEqual([
      'lf',
      'evt',
      'run',
      'run-1_2',
      'Step_Started',
    ]);
  });
});
