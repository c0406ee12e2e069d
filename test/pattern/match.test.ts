import { describe, expect, it } from 'vitest';
import { AiwError } from '../../src/errors/errors.js';
import { compilePattern, compilePatterns, DEFAULT_MAX_TEXT_LENGTH, firstMatch, patternKind, prepareText, regexNeedles } from '../../src/pattern/match.js';

const match = (pattern: string, text: string): string | null => compilePattern(pattern).match(text);

function patternError(fn: () => unknown): AiwError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AiwError);
    expect((err as AiwError).code).toBe('PATTERN');
    return err as AiwError;
  }
  throw new Error('expected a PATTERN error');
}

describe('plain patterns', () => {
  it('match case-insensitively and return the text as it appears', () => {
    expect(match('connection refused', 'dial tcp 127.0.0.1:6443: connect: Connection Refused')).toBe('Connection Refused');
  });

  it('match a number only as a whole word', () => {
    expect(match('401', 'processed 14012 records')).toBeNull();
    expect(match('401', 'commit 4013ab9')).toBeNull();
    expect(match('401', 'HTTP/1.1 401 Unauthorized')).toBe('401');
    expect(match('401', 'status=401')).toBe('401');
  });

  it('treat "-" as a boundary, so an id like req-401-abc contains 401', () => {
    expect(match('401', 'request req-401-abc failed')).toBe('401');
  });

  it('treat "_" as part of a word, like \\b does, so ERR_401 does not contain 401', () => {
    expect(match('401', 'ERR_401X')).toBeNull();
    expect(match('401', 'code ERR_401')).toBeNull();
    expect(match('ERR_401', 'code ERR_401')).toBe('ERR_401');
  });

  it('match a word only as a whole word', () => {
    expect(match('eof', 'the record thereof was lost')).toBeNull();
    expect(match('eof', 'unexpected EOF')).toBe('EOF');
  });

  it('treat letters beyond ASCII as word characters', () => {
    expect(match('caf', 'café closed')).toBeNull();
    expect(match('café', 'le café est fermé')).toBe('café');
  });

  it('need no boundary where the pattern ends or starts with punctuation', () => {
    expect(match('error:', 'fatal error:disk full')).toBe('error:');
    expect(match('(Unauthorized)', 'error: You must be logged in to the server(Unauthorized)')).toBe('(Unauthorized)');
    expect(match('error:', 'myerror: x')).toBeNull();
  });

  it('let whitespace match any run of whitespace, so wrapped lines still match', () => {
    expect(match('is the server running', 'Is the server\n\trunning locally')).toBe('Is the server\n\trunning');
    expect(match('  connection   refused ', 'connection refused')).toBe('connection refused');
  });

  it('take regex metacharacters literally', () => {
    expect(match('a.b', 'axb')).toBeNull();
    expect(match('a.b', 'see a.b')).toBe('a.b');
    expect(match('[x]+ (y)?', 'got [x]+ (y)? here')).toBe('[x]+ (y)?');
    expect(match('path/to', 'in path/to/file')).toBe('path/to');
  });

  it('refuse an empty pattern', () => {
    expect(patternError(() => compilePattern('   ', 'aiw.config.yaml')).message).toContain('aiw.config.yaml');
  });
});

describe('regex patterns', () => {
  it('are written /source/flags and only plain text is read as plain', () => {
    expect(patternKind('/exceeded quota/i')).toBe('regex');
    expect(patternKind('/etc/passwd: permission denied')).toBe('plain');
    expect(patternKind('/usr/bin')).toBe('plain');
  });

  it('are case-sensitive unless they say i', () => {
    expect(match('/Exceeded quota/', 'exceeded quota')).toBeNull();
    expect(match('/exceeded quota/i', 'ERROR: Exceeded Quota for project')).toBe('Exceeded Quota');
  });

  it('return the same answer every time, even with the g or y flag', () => {
    const p = compilePattern('/quota/g');
    expect([p.match('quota a'), p.match('quota b')]).toEqual(['quota', 'quota']);
    const sticky = compilePattern('/error/y');
    expect([sticky.match('error: x'), sticky.match('error: y'), sticky.match('no error')]).toEqual(['error', 'error', null]);
  });

  it('drop a leading .* because a search tries every position anyway', () => {
    expect(match('/.*quota.*exceeded/', 'project x: quota for cpu exceeded')).toBe('quota for cpu exceeded');
  });

  it('name the pattern and where it came from when it is not a valid regex', () => {
    const err = patternError(() => compilePattern('/(unclosed/', 'skills/deploy.yaml:12:9'));
    expect(err.message).toContain('"/(unclosed/"');
    expect(err.message).toContain('skills/deploy.yaml:12:9');
    expect(err.message).toContain('not a valid regular expression');
  });

  it('refuse a regex that matches the empty string, since it would match every text', () => {
    expect(patternError(() => compilePattern('/x*/')).message).toContain('matches the empty string');
  });

  it.each([
    ['/(a+)+$/', '(a+)+'],
    ['/(a|aa)+$/', '(a|aa)+'],
    ['/(.*a){12}/', '(.*a){12}'],
    ['/(\\w+\\s?)*$/', '(\\w+\\s?)*'],
    ['/^(a|a)*$/', '(a|a)*'],
    ['/(x+x+)+y/', '(x+x+)+'],
    ['/(\\d+)*x/', '(\\d+)*'],
    ['/(a{1,3})+$/', '(a{1,3})+'],
    ['/\\d+\\d+\\d+/', '\\d+\\d+'],
    ['/(.*a){2}x/', '(.*a){2}'],
    ['/error.*pod.*not found/', '.*pod.*'],
    ['/foo(?=(a+)+b)/', '(a+)+'],
  ])('refuse %s, which can backtrack catastrophically, quoting %s', (source, fragment) => {
    const err = patternError(() => compilePattern(source, 'aiw.config.yaml'));
    expect(err.message).toMatch(/can backtrack catastrophically \(.*\); rewrite it/);
    expect(err.message).toContain(`"${fragment}"`);
    expect(err.hint).toBeTruthy();
  });

  it.each([
    '/(?:\\d{1,3}\\.){3}\\d{1,3}/', '/error: .* not found/i', '/(\\w+\\s)*$/', '/"(?:[^"\\\\]|\\\\.)*"/', '/[a-z]+[0-9]+[a-z]+/',
    '/(ab|ac)+/', '/([a-z0-9_-]+\\.)+[a-z]{2,}/i', '/\\s+at\\s+\\S+\\s+\\(.*\\)/', '/(?<=status: )\\d+/', '/\\p{L}+ denied/u', '/error.*not found/',
    '/([a-z0-9-]+\\.)+[a-z]{2,}/', '/(?:\\d{1,3}\\.?){4}/', '/.*quota.*exceeded/',
  ])('accept %s, which cannot', (source) => {
    expect(compilePattern(source).kind).toBe('regex');
  });

  it('run accepted patterns on hostile input in bounded time', () => {
    const started = performance.now();
    expect(match('/(\\w+\\s)*$/', `${'word '.repeat(5000)}!`)).toBe('');
    expect(match('/(?:\\d{1,3}\\.){3}\\d{1,3}x/', '1.'.repeat(20_000))).toBeNull();
    // A guard against backtracking that never ends (minutes, hours), not a speed target: the
    // benchmark measures speed; this bound holds on a loaded CI machine too.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('compiling and matching many patterns', () => {
  it('compiles each source once per process', () => {
    expect(compilePattern('token expired')).toBe(compilePattern('token expired'));
  });

  it('names the list and the position of a bad pattern', () => {
    const err = patternError(() => compilePatterns(['ok', '/(a+)+/'], 'auto_heal.classes.quota'));
    expect(err.message).toContain('auto_heal.classes.quota, pattern 2');
  });

  it('reports the first pattern that matches and the matched text', () => {
    const hit = firstMatch(compilePatterns(['quota', 'connection refused', 'refused']), 'connect: connection refused');
    expect(hit?.pattern.source).toBe('connection refused');
    expect(hit?.matched).toBe('connection refused');
  });

  it('caps a long text to its head and tail, where errors are', () => {
    const text = `first line fails: token expired\n${'progress ...\n'.repeat(20_000)}last line: connection refused`;
    const prepared = prepareText(text);
    expect(prepared.truncated).toBe(true);
    expect(prepared.text.length).toBeLessThanOrEqual(DEFAULT_MAX_TEXT_LENGTH + 3);
    expect(compilePattern('token expired').match(prepared)).toBe('token expired');
    expect(compilePattern('connection refused').match(prepared)).toBe('connection refused');
    expect(compilePattern('/progress/').match(prepareText('a'.repeat(100) + 'progress' + 'a'.repeat(100), 100))).toBeNull();
  });

  it('matches a 1 MB error against 10,000 patterns in bounded time', () => {
    const patterns = compilePatterns([
      ...Array.from({ length: 10_000 }, (_, i) => `failure code XK${i} in module m${i % 97}`),
      '/(?:\\d{1,3}\\.){3}\\d{1,3}: quota exceeded/i', '/error: .* not found/', '/\\bconnection (?:reset|refused)\\b/',
    ]);
    const line = 'E0412 09:13:01.123456 12345 reflector.go:138] error: watch of *v1.Pod ended with: an error on the server has prevented the request\n';
    const text = `${line.repeat(Math.ceil(1_000_000 / line.length))}fatal: failure code XK9999 in module m8`;
    const started = performance.now();
    const hit = firstMatch(patterns, text);
    expect(hit?.pattern.source).toBe('failure code XK9999 in module m8');
    // Bounded (no quadratic blow-up), with room for a loaded machine; speed is the benchmark's to judge.
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});

describe('the literals a regex needs (prefilter needles)', () => {
  it('lists every whitespace-free piece outside alternations and repeats, lower-cased, longest first', () => {
    expect(regexNeedles('/registry (?:mismatch|failed) after \\d+ ?ms E1457/i')).toEqual(['registry', 'after', 'e1457', 'ms']);
    expect(regexNeedles('/Connection refused on port 443/')).toEqual(['connection', 'refused', 'port', '443', 'on']);
  });

  it('gives none for a refused or literal-free regex, or for plain text', () => {
    expect(regexNeedles('/(a+)+$/')).toEqual([]);
    expect(regexNeedles('/\\d+/')).toEqual([]);
    expect(regexNeedles('connection refused')).toEqual([]);
  });

  it('only lists pieces every match contains', () => {
    const cases: Array<[string, string]> = [
      ['/registry (?:mismatch|failed) after \\d+ ?ms E1457/i', 'REGISTRY failed after 12ms e1457'],
      ['/Connection refused on port 443/', 'dial: Connection refused on port 443'],
      ['/ab?c(de)+f[gh]ij/', 'acdedefgij'],
    ];
    for (const [pattern, text] of cases) {
      expect(compilePattern(pattern).match(text)).not.toBeNull();
      for (const piece of regexNeedles(pattern)) expect(text.toLowerCase()).toContain(piece);
    }
  });
});

describe('plain patterns against the regex they stand for', () => {
  // What a plain pattern did when it was compiled to one regex with Unicode word-boundary lookarounds
  // (after the same check that its words occur in the lower-cased text).
  function reference(pattern: string, text: string): string | null {
    const words = pattern.trim().split(/\s+/u);
    if (!words.every((w) => text.toLowerCase().includes(w.toLowerCase()))) return null;
    const joined = words.join(' ');
    const isWord = (ch: string) => /[\p{L}\p{N}_]/u.test(ch);
    const body = words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('\\s+');
    const re = new RegExp(`${isWord(Array.from(joined)[0]!) ? '(?<![\\p{L}\\p{N}_])' : ''}${body}${isWord(Array.from(joined).at(-1)!) ? '(?![\\p{L}\\p{N}_])' : ''}`, 'iu');
    return re.exec(text)?.[0] ?? null;
  }
  const PATTERNS = ['401', 'eof', 'error:', 'connection refused', 'ſtop', 'Kelvin', 'ι', 'a', '_x', 'x_', 'über', '-flag', 'v1.2', '𝐀b', 'c++', '٣'];
  const PIECES = ['', ' ', '\n\t ', 'x', '_', '-', 'é', 'É', '\u0345', '\u212a', 'ſ', 'ς', '𝐀', '\ud835', '\udc00', '٣', '9', '.', 'İ'];
  const OCCURRENCES = ['401', 'EOF', 'Error:', 'connection \n refused', 'CONNECTION REFUSED', 'STOP', 'ſtop', 'kelvin', '\u212aelvin', 'ι', 'Ι', '\u0345', 'A', '_x', 'X_', 'ÜBER', '-flag', 'v1.2', '𝐀B', 'c++', '٣'];

  it('finds the same text, or none, wherever a pattern sits among word and non-word characters', () => {
    let compared = 0;
    for (const pattern of PATTERNS) {
      for (const occurrence of OCCURRENCES) {
        for (const left of PIECES) {
          for (const right of PIECES) {
            // Twice, so that a first occurrence refused at a boundary lets a later one match.
            const text = `${left}${occurrence}${right} ${occurrence}${left}`;
            expect(compilePattern(pattern).match(text), `${pattern} in ${JSON.stringify(text)}`).toBe(reference(pattern, text));
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(50_000);
  });
});
