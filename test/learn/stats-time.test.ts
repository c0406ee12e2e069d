import { describe, expect, it } from 'vitest';
import { dayOf, instantOf } from '../../src/learn/stats-time.js';

const SAMPLES = [
  '2026-01-04T10:30:00Z', '2026-01-04T10:30:00.250Z', '2026-01-04T10:30:00+02:00', '2026-01-04T10:30:00-05:30',
  '2026-01-04T23:59:59.999+23:59', '2026-01-04T00:00:00-23:59', '2026-01-04T10:30:00', '2026-01-04T10:30:00.1Z',
  '2026-01-04T10:30:00.1234Z', '2026-01-04T24:00:00Z', '2026-01-04T23:59:60Z', '2026-01-04T10:60:00Z',
  '2026-01-04T10:30:00+24:00', '2026-01-04T10:30:00+02:60', '2026-01-04T10:30:00+0200', '2026-01-04t10:30:00z',
  '2026-02-29T10:00:00Z', '2024-02-29T10:00:00Z', '2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', '2026-00-10T10:00:00Z',
  '0000-01-01T00:00:00Z', '+002026-01-04T10:30:00Z', '2026-1-4T10:30:00Z', '2026-01-04 10:30:00Z', 'yesterday',
  '', '2026-01-04', '2026-01-04T10:30Z', '2026-01-04T1a:30:00Z', '2026-01-04T10:30:00+02:00 ', '2026-01-04T10:30:00.000+01:00',
];

describe('instantOf', () => {
  it('gives exactly what Date.parse gives, for the shape aiw writes and every other', () => {
    for (const s of SAMPLES) expect(instantOf(s), s).toBe(Date.parse(s));
  });

  it('gives what Date.parse gives across days, hours and zones, in any order', () => {
    // In order and shuffled: the day kept from the previous call must never leak into the next.
    const all: string[] = [];
    for (let d = 0; d < 400; d += 7) {
      const day = new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
      for (const time of ['00:00:00', '09:05:07.004', '23:59:59.999']) {
        for (const zone of ['Z', '+00:00', '-00:00', '+05:45', '-11:00', '+14:00']) all.push(`${day}T${time}${zone}`);
      }
    }
    const shuffled = all.map((s, i) => all[(i * 7919) % all.length] as string);
    for (const s of [...all, ...shuffled, ...SAMPLES]) expect(instantOf(s), s).toBe(Date.parse(s));
  });
});

describe('dayOf', () => {
  it('is the calendar day as written, or unknown', () => {
    expect(['2026-01-04T10:30:00+09:00', '2026-01-04T23:00:00-05:00', '2026-02-30T00:00:00Z', 'yesterday', '2026-01-04', '2026-01-05x'].map(dayOf))
      .toEqual(['2026-01-04', '2026-01-04', 'unknown', 'unknown', '2026-01-04', '2026-01-05']);
  });
});
