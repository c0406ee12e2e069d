/**
 * The one place secrets are masked. Everything aiw writes or prints (attempt log, reports, --json,
 * JUnit, annotations, known-issues and debug-tool output) passes through `redact`.
 *
 * Two nets: exact values aiw knows are secret (params marked `secret: true`, environment variables
 * named like tokens, passwords and keys), and token shapes that are secret wherever they appear.
 */
const MASK = '***';
// AUTH only as the last word (BASIC_AUTH, NPM_AUTH) or in AUTH_CONFIG/AUTH_HEADER: GIT_AUTHOR_NAME,
// OAUTH_ENABLED or AUTH_MODE hold ordinary words, and masking those would garble every report.
const SECRET_ENV_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|_KEY$|^KEY$|_AUTH$|^AUTH$|AUTH_?CONFIG|AUTH_?HEADER)/i;
const MIN_SECRET_LENGTH = 4;

const SHAPES: Array<[RegExp, string]> = [
  // Authorization headers and bearer tokens, as printed by curl -v, HTTP clients and kubeconfigs.
  [/\b(authorization\s*[:=]\s*)(?:(bearer|basic|token)\s+)?[^\s"',;]+/gi, `$1$2 ${MASK}`],
  [/\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1${MASK}`],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, MASK],
  // GitHub, GitLab, Slack, AWS, npm, Google API keys.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, MASK],
  [/\bglpat-[A-Za-z0-9_-]{16,}\b/g, MASK],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, MASK],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, MASK],
  [/\bnpm_[A-Za-z0-9]{30,}\b/g, MASK],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, MASK],
  // key=value and "key": "value" pairs whose key names a secret.
  [/\b((?:[A-Za-z0-9_]*?)(?:token|secret|password|passwd|api_?key|access_?key|private_?key)["']?\s*[:=]\s*["']?)(?!\*\*\*)[^\s"',;&]{3,}/gi, `$1${MASK}`],
  // Credentials embedded in URLs: https://user:pass@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi, `$1${MASK}@`],
];

const known = new Set<string>();
let knownPattern: RegExp | null = null;

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
    .filter(([k, v]) => v && SECRET_ENV_NAME.test(k) && !/^(NODE_EXTRA_CA_CERTS|SSH_AUTH_SOCK)$/.test(k) && !NOT_A_SECRET.test(v.trim()))
    .map(([, v]) => v));
}

export function isSecretName(name: string): boolean {
  return SECRET_ENV_NAME.test(name);
}

export function redact(text: string): string {
  if (!text) return text;
  let out = knownPattern ? text.replace(knownPattern, MASK) : text;
  for (const [re, replacement] of SHAPES) out = out.replace(re, replacement);
  return out;
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
