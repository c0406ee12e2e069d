import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { AiwError } from '../errors/errors.js';
import { writeFileAtomic } from '../files/atomic-write.js';

/**
 * The trust ladder of learned remedies, like `direnv allow`: a remedy in `tool_fixes.yaml` (a file
 * the team commits, that CI writes back, that anyone can send a pull request to) is only *suggested*
 * until a person trusts it on their machine. Trust lives outside the repository, in
 * `$XDG_CONFIG_HOME/aiw/trust.json` (default `~/.config/aiw/trust.json`), keyed by the project root,
 * and is bound to a hash of the fix's tool, pattern and remedy: any change to the remedy revokes it.
 */
export interface TrustedRemedy {
  tool: string;
  pattern: string;
  /** sha256 of the canonical JSON of {tool_name, error_pattern, remedy}. */
  hash: string;
  trusted_at: string;
}

interface TrustFileShape {
  version: 1;
  projects: Record<string, TrustedRemedy[]>;
}

/** What a remedy is, for hashing: the fix it belongs to and exactly what it would run. */
export interface RemedyIdentity {
  tool_name: string;
  error_pattern: string;
  remedy: { tool: string; args: Record<string, unknown> };
}

/** `$XDG_CONFIG_HOME/aiw/trust.json`, else `$HOME/.config/aiw/trust.json`. A relative XDG path is ignored, as the spec says. */
export function trustFilePath(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  // node:os when used, not when this module loads: a start that never needs it saves ~0.2 ms.
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || process.getBuiltinModule('node:os').homedir(), '.config');
  return join(base, 'aiw', 'trust.json');
}

/** The key of a project in the trust file: its real path, so a symlinked checkout is the same project. */
export function projectKey(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    // A root that cannot be resolved (deleted under us) is still a key; it simply matches nothing.
    return resolve(root);
  }
}

export function remedyHash(fix: RemedyIdentity): string {
  return createHash('sha256').update(canonical({ tool_name: fix.tool_name, error_pattern: fix.error_pattern, remedy: { tool: fix.remedy.tool, args: fix.remedy.args } })).digest('hex');
}

/** JSON with sorted keys, so the hash does not depend on the order YAML happened to list them in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The trust of one project, read once; `trusts` answers for a remedy as it is in the file now. */
export interface RemedyTrust {
  file: string;
  entries: TrustedRemedy[];
  trusts(fix: RemedyIdentity): boolean;
}

export async function readRemedyTrust(env: NodeJS.ProcessEnv, root: string): Promise<RemedyTrust> {
  const file = trustFilePath(env);
  const all = await readTrustFile(file);
  const entries = all.projects[projectKey(root)] ?? [];
  const hashes = new Set(entries.map((e) => e.hash));
  return { file, entries, trusts: (fix) => hashes.has(remedyHash(fix)) };
}

/** Trust `fix`'s remedy in this project (replacing an older trust of the same tool and pattern). */
export async function trustRemedy(env: NodeJS.ProcessEnv, root: string, fix: RemedyIdentity, now = new Date()): Promise<TrustedRemedy> {
  const entry: TrustedRemedy = { tool: fix.tool_name, pattern: fix.error_pattern, hash: remedyHash(fix), trusted_at: now.toISOString() };
  await updateProject(env, root, (list) => [...list.filter((e) => !(e.tool === entry.tool && e.pattern === entry.pattern)), entry]);
  return entry;
}

/** Withdraw trust of the remedies of `tool` (and `pattern`, when given); returns how many were removed. */
export async function untrustRemedy(env: NodeJS.ProcessEnv, root: string, tool: string, pattern?: string): Promise<number> {
  let removed = 0;
  await updateProject(env, root, (list) => list.filter((e) => {
    const hit = e.tool === tool && (pattern === undefined || e.pattern === pattern);
    if (hit) removed++;
    return !hit;
  }));
  return removed;
}

async function updateProject(env: NodeJS.ProcessEnv, root: string, change: (list: TrustedRemedy[]) => TrustedRemedy[]): Promise<void> {
  const file = trustFilePath(env);
  const all = await readTrustFile(file);
  const key = projectKey(root);
  const next = change(all.projects[key] ?? []);
  if (next.length) all.projects[key] = next;
  else delete all.projects[key];
  // Only the person's own account may read or change what they trust.
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(all, null, 2)}\n`);
  await chmod(file, 0o600);
}

async function readTrustFile(file: string): Promise<TrustFileShape> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, projects: {} };
    throw new AiwError('CONFIG', `cannot read the remedy trust file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AiwError('CONFIG', `the remedy trust file ${file} is not valid JSON (${(err as Error).message}); fix or remove it`, { cause: err });
  }
  const p = parsed as Partial<TrustFileShape>;
  if (!p || typeof p !== 'object' || typeof p.projects !== 'object' || p.projects === null || Array.isArray(p.projects)) {
    throw new AiwError('CONFIG', `the remedy trust file ${file} is not shaped like {version, projects}; fix or remove it`);
  }
  const projects: Record<string, TrustedRemedy[]> = {};
  for (const [k, list] of Object.entries(p.projects)) {
    if (Array.isArray(list)) projects[k] = list.filter((e): e is TrustedRemedy => !!e && typeof e === 'object' && typeof e.hash === 'string' && typeof e.tool === 'string' && typeof e.pattern === 'string');
  }
  return { version: 1, projects };
}
