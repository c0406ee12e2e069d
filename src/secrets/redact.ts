import { MASK } from './secret-shapes.js';
import { GATED, mayHoldShape, mayMatch } from './shape-triggers.js';

/**
 * The one place secrets are masked. Everything aiw writes or prints (attempt log, reports, --json,
 * JUnit, annotations, known-issues and debug-tool output) passes through `redact`.
 *
 * Two nets: exact values aiw knows are secret (params marked `secret: true`, environment variables
 * named like tokens, passwords and keys), and token shapes that are secret wherever they appear.
 */
// AUTH only as the last word (BASIC_AUTH, NPM_AUTH) or in AUTH_CONFIG/AUTH_HEADER: GIT_AUTHOR_NAME,
// OAUTH_ENABLED or AUTH_MODE hold ordinary words, and masking those would garble every report.
// PASS and PWD as a last word (DB_PASS, ADMINPWD), but not the shell's PWD and OLDPWD (directories).
export const SECRET_ENV_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|_KEY$|^KEY$|_AUTH$|^AUTH$|AUTH_?CONFIG|AUTH_?HEADER|_PASS$|^PASS$|.PWD$|_SAS$|SAS_?TOKEN|WEBHOOK|_DSN$|^DSN$)/i;
const NOT_SECRET_ENV = /^(?:NODE_EXTRA_CA_CERTS|SSH_AUTH_SOCK|OLDPWD)$/i;
const MIN_SECRET_LENGTH = 4;

const known = new Set<string>();
let knownPattern: RegExp | null = null;
// Up to this many known values, `includes` on each is cheaper than running the alternation on text
// that holds none of them (nearly every line); with more, the regex's own scan wins.
const INCLUDES_LIMIT = 16;

/** Register exact secret values (e.g. a param marked secret) so that they are masked everywhere. */
export function addSecrets(values: Iterable<unknown>): void {
  let changed = false;
  for (const v of values) {
    if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH || known.has(v)) continue;
    known.add(v);
    changed = true;
  }
  if (changed) {
    const escaped = [...known].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    knownPattern = new RegExp(escaped.join('|'), 'g');
  }
}

// Switches, not secrets: `NPM_CONFIG_ALWAYS_AUTH=true` must not mask every "true" in every report.
const NOT_A_SECRET = /^(?:true|false|yes|no|on|off|null|none|enabled|disabled)$/i;

/** Register the values of environment variables whose names say they are secret. */
export function addSecretsFromEnv(env: NodeJS.ProcessEnv): void {
  addSecrets(Object.entries(env)
    .filter(([k, v]) => v && isSecretName(k) && !NOT_A_SECRET.test(v.trim()))
    .map(([, v]) => v));
}

/** Whether a variable, param or input name says its value is secret (`DB_PASS`, `api_token`, `client_secret`). */
export function isSecretName(name: string): boolean {
  return secretNamed(name) && !NOT_SECRET_ENV.test(name);
}

const SECRET_WORDS = ['TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'APIKEY', 'API_KEY', 'PRIVATEKEY', 'PRIVATE_KEY',
  'ACCESSKEY', 'ACCESS_KEY', 'CREDENTIAL', 'AUTHCONFIG', 'AUTH_CONFIG', 'AUTHHEADER', 'AUTH_HEADER', 'WEBHOOK'];
const SECRET_ENDINGS = ['_KEY', '_AUTH', '_PASS', '_SAS', '_DSN'];
const SECRET_WHOLE = new Set(['KEY', 'AUTH', 'PASS', 'DSN']);

/**
 * SECRET_ENV_NAME.test(name), with string searches: every start tests every environment variable's
 * name, and the first use of that regex costs more than the rest of reading the environment
 * (test/secrets checks both agree). Names with other than ASCII letters, digits and `_` take the regex.
 */
export function secretNamed(name: string): boolean {
  if (!/^[A-Za-z0-9_]*$/.test(name)) return SECRET_ENV_NAME.test(name);
  const upper = name.toUpperCase();
  return SECRET_WORDS.some((w) => upper.includes(w)) || SECRET_ENDINGS.some((e) => upper.endsWith(e)) || SECRET_WHOLE.has(upper)
    || (upper.length > 3 && upper.endsWith('PWD'));
}


/**
 * Mask, then cut to `max` characters (the head, or with `keep: 'tail'` the end): cutting first
 * could leave half a token that no shape recognises any more.
 */
export function redactAndTruncate(text: string, max: number, keep: 'head' | 'tail' = 'head'): string {
  const masked = redact(text);
  if (masked.length <= max) return masked;
  return keep === 'head' ? masked.slice(0, max) : masked.slice(-max);
}

function holdsKnown(text: string): boolean {
  if (known.size > INCLUDES_LIMIT) return true;
  for (const v of known) if (text.includes(v)) return true;
  return false;
}

/**
 * The text with every known secret value and every secret shape masked. Shapes apply in order, each
 * to the text the ones before it left; a shape whose triggers the text lacks cannot match, so it is
 * skipped (the result is the same as running them all, only cheaper: `secrets/shape-triggers.ts`).
 */
export function redact(text: string): string {
  if (!text) return text;
  let out = knownPattern && holdsKnown(text) ? text.replace(knownPattern, MASK) : text;
  if (!mayHoldShape(out)) return out;
  let lower: string | undefined;
  const lowered = () => (lower ??= out.toLowerCase());
  for (const shape of GATED) {
    if (!mayMatch(shape, out, lowered)) continue;
    const next = out.replace(shape.re, shape.replacement);
    if (next === out) continue;
    // A replacement changes the text the next shapes see, triggers included.
    out = next;
    lower = undefined;
  }
  return out;
}

/**
 * `redact` for the strings of one document, with one scan of them all (joined by newlines) first:
 * null when no string can change, else a masker that runs `redact` only on the strings that hold a
 * known value or the triggers of a shape the join holds. Both nets start from literal searches, and
 * a literal inside one string is inside the join; lower-casing the join lower-cases each string as
 * it would alone (a newline is neither cased nor case-ignorable, so even a final sigma comes out the
 * same). A string passed over holds no known value and no shape's triggers, so `redact` would give
 * it back unchanged; the others get `redact` itself, so the result is the same string for string.
 */
export function redactorFor(texts: readonly string[]): ((text: string) => string) | null {
  const joined = texts.join('\n');
  const knownIn = knownPattern !== null && holdsKnown(joined);
  if (!knownIn && !mayHoldShape(joined)) return null;
  let lower: string | undefined;
  const shapes = GATED.filter((shape) => mayMatch(shape, joined, () => (lower ??= joined.toLowerCase())));
  if (!knownIn && !shapes.length) return null;
  return (text) => {
    if (knownIn && holdsKnown(text)) return redact(text);
    let low: string | undefined;
    return shapes.some((shape) => mayMatch(shape, text, () => (low ??= text.toLowerCase()))) ? redact(text) : text;
  };
}

/** Whether masking would change the text: it holds a known secret or a secret shape. */
export function looksSecret(text: string): boolean {
  return redact(text) !== text;
}

/** Redact every string inside a JSON-like value (for --json documents and records). */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v);
    return out as T;
  }
  return value;
}
