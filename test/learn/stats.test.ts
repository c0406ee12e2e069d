import { describe, expect, it } from 'vitest';
import type { LoggedFailure } from '../../src/memory/attempt-log/attempt-log.js';
import { computeFailureStats, isoWeek } from '../../src/learn/stats.js';
import { formatStatsText } from '../../src/learn/stats-text.js';

function attempt(run: string, step: string, tool: string, n: number, success: boolean, extra: Partial<LoggedFailure> = {}): LoggedFailure {
  return {
    tool,
    error: success ? '' : 'boom',
    error_type: null,
    fix_attempted: null,
    success,
    timestamp: '2026-01-05T10:00:00+01:00',
    skill: 'investigate_alert',
    step,
    attempt: n,
    duration_ms: 10,
    run_id: run,
    kind: 'attempt',
    ...extra,
  };
}

// Six calls: A healed by a logged fix; B failed twice, its fix inferred from the retry; C never
// failed; D recovered on a plain retry (not a heal); two seed entries without run_id.
const LOG: LoggedFailure[] = [
  attempt('r1', 'get', 'kubectl', 1, false, { error_type: 'network' }),
  attempt('r1', 'get', 'kubectl', 1, true, { kind: 'fix', fix_attempted: 'vpn_connect', error_type: 'network' }),
  attempt('r1', 'get', 'kubectl', 2, true, { fix_attempted: 'vpn_connect' }),
  attempt('r1', 'mr', 'gitlab', 1, false, { error_type: 'auth' }),
  attempt('r1', 'mr', 'gitlab', 2, false, { error_type: 'auth', fix_attempted: 'kube_login' }),
  attempt('r1', 'ls', 'kubectl', 1, true),
  attempt('r2', 'get', 'kubectl', 1, false, { error_type: 'network', timestamp: '2026-01-11T23:59:00-05:00' }),
  attempt('r2', 'get', 'kubectl', 2, true, { timestamp: '2026-01-12T00:00:10-05:00' }),
  { tool: 'kubectl_get_pods', error: 'No route to host', fix_attempted: 'vpn_connect', success: true, timestamp: '2026-01-04T10:30:00', skill: 'investigate_alert' },
  { tool: 'gitlab_mr_list', error: '401 Unauthorized', fix_attempted: 'N/A - GitLab uses tokens', success: false, timestamp: '2026-01-04T11:00:00', skill: 'review_all_prs' },
];

const bucket = (attempts: number, failures: number, fixesRun: number, fixesOk: number, failedCalls: number, healed: number, rate: number | null) => ({
  attempts,
  failures,
  fixes_run: fixesRun,
  fixes_succeeded: fixesOk,
  failed_calls: failedCalls,
  calls_healed: healed,
  auto_fixed_rate: rate,
});

describe('computeFailureStats', () => {
  const stats = computeFailureStats(LOG, new Date('2026-02-01T00:00:00Z'));

  it('counts attempts, failures, fixes and healed calls', () => {
    expect(stats.generated_at).toBe('2026-02-01T00:00:00.000Z');
    expect(stats.entries).toBe(10);
    expect(stats.first).toBe('2026-01-04T10:30:00');
    expect(stats.last).toBe('2026-01-12T00:00:10-05:00');
    expect(stats.totals).toEqual({ calls: 6, ...bucket(9, 6, 4, 2, 5, 2, 0.4) });
  });

  it('gives the auto-fixed rate by tool, most failed calls first', () => {
    expect(stats.by_tool).toEqual([
      { tool: 'kubectl', ...bucket(5, 2, 1, 1, 2, 1, 0.5) },
      { tool: 'gitlab', ...bucket(2, 2, 1, 0, 1, 0, 0) },
      { tool: 'gitlab_mr_list', ...bucket(1, 1, 1, 0, 1, 0, 0) },
      { tool: 'kubectl_get_pods', ...bucket(1, 1, 1, 1, 1, 1, 1) },
    ]);
  });

  it('gives the auto-fixed rate by failure class of the first failed attempt', () => {
    expect(stats.by_class).toEqual([
      { class: 'network', ...bucket(4, 2, 1, 1, 2, 1, 0.5) },
      { class: 'unclassified', ...bucket(2, 2, 2, 1, 2, 1, 0.5) },
      { class: 'auth', ...bucket(2, 2, 1, 0, 1, 0, 0) },
      { class: 'none', ...bucket(1, 0, 0, 0, 0, 0, null) },
    ]);
  });

  it('buckets calls by the day and ISO week written in their first timestamp', () => {
    expect(stats.by_day).toEqual([
      { day: '2026-01-04', ...bucket(2, 2, 2, 1, 2, 1, 0.5) },
      { day: '2026-01-05', ...bucket(5, 3, 2, 1, 2, 1, 0.5) },
      { day: '2026-01-11', ...bucket(2, 1, 0, 0, 1, 0, 0) },
    ]);
    expect(stats.by_week).toEqual([
      { week: '2026-W01', ...bucket(2, 2, 2, 1, 2, 1, 0.5) },
      { week: '2026-W02', ...bucket(7, 4, 2, 1, 3, 1, 0.3333) },
    ]);
  });

  it('takes the highest attempt number as the end of a call, whatever the order of entries', () => {
    const late = computeFailureStats([
      attempt('r', 's', 't', 2, true, { fix_attempted: 'fix' }),
      attempt('r', 's', 't', 1, false),
    ]);
    expect(late.totals).toMatchObject({ calls: 1, failed_calls: 1, calls_healed: 1 });
  });

  it('puts unreadable timestamps under "unknown" instead of guessing', () => {
    const odd = computeFailureStats([attempt('r', 's', 't', 1, false, { timestamp: 'yesterday' })]);
    expect(odd.by_day).toEqual([{ day: 'unknown', ...bucket(1, 1, 0, 0, 1, 0, 0) }]);
    expect(odd.by_week[0]?.week).toBe('unknown');
    expect(odd.first).toBeNull();
  });

  it('is plain JSON data', () => {
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
  });
});

describe('isoWeek', () => {
  it.each([
    ['2026-01-04', '2026-W01'],
    ['2026-01-05', '2026-W02'],
    ['2027-01-01', '2026-W53'],
    ['2024-12-30', '2025-W01'],
    ['2021-01-03', '2020-W53'],
  ])('puts %s in %s', (day, week) => {
    expect(isoWeek(day)).toBe(week);
  });
});

describe('formatStatsText', () => {
  it('shows totals and the tables as plain text', () => {
    const text = formatStatsText(computeFailureStats(LOG));
    expect(text).toContain('Attempt log: 10 entries, 2026-01-04 to 2026-01-12');
    expect(text).toMatch(/failed calls +5 +healed 2 \(40\.0% auto-fixed\)/);
    expect(text).toMatch(/\n {2}kubectl +5 +2 +1 +50\.0%\n/);
    expect(text).toMatch(/\n {2}2026-W02 +7 +3 +1 +33\.3%\n/);
    expect(text).toMatch(/\n {2}none +1 +0 +0 +-\n/);
    expect(text).not.toContain('\u001b');
  });

  it('says so when there is nothing on record', () => {
    expect(formatStatsText(computeFailureStats([]))).toBe('No heal attempts on record yet.\n');
  });
});
