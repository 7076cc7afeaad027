import { runIdFor } from './name-based-id.js';

/** RFC 9562: 8-4-4-4-12 lower-case hex; version nibble 8 (custom); variant bits 10xx (hex 8, 9, a or b). */
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('runIdFor', () => {
  it('is deterministic: the same workflow and idempotency key give the same run id', () => {
    expect(runIdFor('claim-review', 'crm-claim-CLM-2026-0001')).toBe(
      runIdFor('claim-review', 'crm-claim-CLM-2026-0001'),
    );
  });

  it('has the RFC 9562 version-8 layout and variant bits', () => {
    for (let i = 0; i < 200; i++) {
      const id = runIdFor('claim-review', `key-${i}`);
      expect(id).toMatch(UUID_V8);
      expect(id).toHaveLength(36);
      expect(parseInt(id[14] ?? '', 16)).toBe(8);
      expect(parseInt(id[19] ?? '', 16) & 0b1100).toBe(0b1000);
    }
  });

  it('differs by idempotency key', () => {
    const ids = new Set(Array.from({ length: 500 }, (_, i) => runIdFor('claim-review', `key-${i}`)));
    expect(ids.size).toBe(500);
  });

  it('differs by workflow for the same key', () => {
    expect(runIdFor('claim-review', 'key-1')).not.toBe(runIdFor('claim-intake', 'key-1'));
  });

  it('does not confuse where the workflow id ends and the key begins', () => {
    expect(runIdFor('claim-review', 'x')).not.toBe(runIdFor('claim-revie', 'wx'));
  });
});
