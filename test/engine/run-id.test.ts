import { describe, expect, it } from 'vitest';
import { newRunId } from '../../src/engine/run-skill.js';

const compact = (d: Date) => d.toISOString().replace(/[-:]/g, '').slice(0, 15);

describe('a run id', () => {
  it('is the UTC time to the second and 8 random hex digits', () => {
    const before = compact(new Date());
    const id = newRunId();
    const after = compact(new Date());
    expect(id).toMatch(/^\d{8}T\d{6}-[0-9a-f]{8}$/);
    expect([before, after]).toContain(id.slice(0, 15));
  });

  it('differs between two runs started in the same second', () => {
    expect(newRunId()).not.toBe(newRunId());
  });
});
