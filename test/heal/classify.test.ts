import { describe, expect, it } from 'vitest';
import { AiwError } from '../../src/errors/errors.js';
import { classify, compileClassifier, DEFAULT_FAILURE_CLASSES, mergeFailureClasses, precompileClassifier } from '../../src/heal/classify.js';
import { compilePattern } from '../../src/pattern/match.js';
import { ERROR_ROWS } from './fixtures/errors.js';

const short = (text: string): string => JSON.stringify(text.length > 70 ? `${text.slice(0, 70)}…` : text);

describe('the built-in failure classes', () => {
  const classifier = compileClassifier();

  it.each(ERROR_ROWS.map((row) => ({ ...row, name: `${row.tool} ${short(row.text)}${row.httpStatus ? ` (HTTP ${row.httpStatus})` : ''}${row.timedOut ? ' (timed out)' : ''}` })))(
    'classify $name as $expected',
    ({ text, httpStatus, timedOut, expected }) => {
      expect(classifier.classify({ text, httpStatus, timedOut })?.class ?? null).toBe(expected);
    },
  );

  it('compile without a refused pattern', () => {
    for (const spec of Object.values(DEFAULT_FAILURE_CLASSES)) {
      for (const p of [...spec.patterns, ...(spec.exclude ?? [])]) expect(() => compilePattern(p)).not.toThrow();
    }
  });

  it('are tried in a stable order: auth, network, timeout', () => {
    expect(classifier.classes).toEqual(['auth', 'network', 'timeout']);
  });
});

describe('a classification', () => {
  it('says which pattern matched and the text it matched', () => {
    expect(classify({ text: 'ssh: connect to host bastion port 22: Connection refused' })).toEqual({
      class: 'network', pattern: 'connection refused', matched: 'Connection refused', from: 'classes',
    });
  });

  it('is timeout with the pattern (timeout) when aiw killed the tool at its time limit', () => {
    expect(classify({ text: 'still waiting', timedOut: true })).toEqual({ class: 'timeout', pattern: '(timeout)', matched: '', from: 'timeout' });
  });

  it('is auth for HTTP 401 even with an empty body', () => {
    expect(classify({ text: '', httpStatus: 401 })).toMatchObject({ class: 'auth', pattern: '(http 401)', from: 'status' });
  });

  it('is null when nothing matches', () => {
    expect(classify({ text: 'Error: table "jobs" has no column "owner"' })).toBeNull();
  });
});

describe('a step\'s detect_failure patterns', () => {
  it('are tried before the classes and the HTTP status', () => {
    const c = compileClassifier(undefined, { quota: ['/exceeded quota/i'], auth: ['You must be logged in'] });
    expect(c.classify({ text: 'error: Exceeded quota; connection refused', httpStatus: 401 })).toMatchObject({ class: 'quota', from: 'step' });
    expect(c.classify({ text: 'You must be logged in to the server (Unauthorized)' })).toMatchObject({ class: 'auth', pattern: 'You must be logged in', from: 'step' });
  });

  it('are refused with the step\'s class named when a pattern is bad', () => {
    expect(() => compileClassifier(undefined, { quota: ['/(a+)+/'] })).toThrow(/detect_failure\.quota, pattern 1/);
  });
});

describe('auto_heal.classes in the configuration', () => {
  it('replaces a built-in class given as a list', () => {
    const c = compileClassifier({ auth: ['SESSION GONE'] });
    expect(c.classify({ text: 'error: session gone' })?.class).toBe('auth');
    expect(c.classify({ text: 'error: You must be logged in to the server (Unauthorized)' })).toBeNull();
  });

  it('extends a built-in class when it says extend: true', () => {
    const c = compileClassifier({ network: { extend: true, patterns: ['upstream connect error'] } });
    expect(c.classify({ text: 'upstream connect error or disconnect/reset before headers' })?.class).toBe('network');
    expect(c.classify({ text: 'connect: connection refused' })?.class).toBe('network');
  });

  it('adds new classes after the built-in ones', () => {
    const c = compileClassifier({ quota: ['/exceeded quota/i'] });
    expect(c.classes).toEqual(['auth', 'network', 'timeout', 'quota']);
    expect(c.classify({ text: 'Error 429: Exceeded quota for metric cpus' })).toMatchObject({ class: 'quota', matched: 'Exceeded quota' });
  });

  it('ignores lines that match a class\'s exclude patterns, but not the other lines', () => {
    const c = compileClassifier({ network: { extend: true, exclude: ['health probe'] } });
    expect(c.classify({ text: 'health probe: connection refused\nbuild failed: missing file' })).toBeNull();
    expect(c.classify({ text: 'health probe: connection refused\ndeploy: connection refused' })?.matched).toBe('connection refused');
  });

  it('keeps the built-in classes when it is empty or absent', () => {
    expect(Object.keys(mergeFailureClasses(null))).toEqual(['auth', 'network', 'timeout']);
    expect(compileClassifier({}).classify({ text: 'no route to host' })?.class).toBe('network');
  });

  it('is refused with a CONFIG error when a class is neither a list nor an object of lists', () => {
    const bad = { auth: 'unauthorized' } as unknown as Parameters<typeof compileClassifier>[0];
    expect(() => compileClassifier(bad)).toThrow(AiwError);
    expect(() => compileClassifier(bad)).toThrow(/auto_heal\.classes\.auth must be a list of patterns/);
  });

  it('is refused with a PATTERN error naming the class when a pattern can backtrack catastrophically', () => {
    try {
      compileClassifier({ quota: ['ok', '/(\\w+\\s?)*$/'] }, undefined, 'aiw.config.yaml auto_heal.classes');
      expect.unreachable();
    } catch (err) {
      expect((err as AiwError).code).toBe('PATTERN');
      expect((err as Error).message).toContain('aiw.config.yaml auto_heal.classes.quota, pattern 2');
    }
  });
});

describe('precompileClassifier', () => {
  // Patterns no other test compiles, so each one is compiled here.
  const classes = { flaky: Array.from({ length: 30 }, (_, i) => `/\\bflake-${i}(?:x|y)z\\b/i`) };

  it('compiles a slice at a time in later turns of the event loop, so other callbacks run in between', async () => {
    let turns = 0;
    let done = false;
    const tick = (): void => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    await precompileClassifier(classes, 0); // a slice per pattern
    done = true;
    expect(turns).toBeGreaterThanOrEqual(classes.flaky.length);
    expect(compileClassifier(classes).classify({ text: 'saw flake-7xz here' })).toMatchObject({ class: 'flaky', matched: 'flake-7xz' });
  });

  it('leaves a pattern that does not compile, and a bad configuration, to compileClassifier to report', async () => {
    const bad = { broken: ['/(a+)+$/'] };
    await expect(precompileClassifier(bad)).resolves.toBeUndefined();
    expect(() => compileClassifier(bad)).toThrow(/backtrack catastrophically/);
    const malformed = { broken: 'not a list' } as unknown as Parameters<typeof compileClassifier>[0];
    await expect(precompileClassifier(malformed)).resolves.toBeUndefined();
    expect(() => compileClassifier(malformed)).toThrow(AiwError);
  });
});
