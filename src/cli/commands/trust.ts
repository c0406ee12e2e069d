import { AiwError, EXIT } from '../../errors/errors.js';
import { remedyRefusal } from '../../heal/remedy-gate.js';
import { readRemedyTrust, remedyHash, trustRemedy, untrustRemedy } from '../../heal/remedy-trust.js';
import { remedyCommand, shellQuote } from '../../learn/known-issues.js';
import { withFixes, type ToolFix } from '../../memory/fix-store.js';
import { redact, redactValue } from '../../secrets/redact.js';
import { openSession, type GlobalOptions } from '../../session/session.js';
import type { Io } from '../io.js';

export interface TrustOptions extends GlobalOptions {
  json?: boolean;
}

type RemedyFix = ToolFix & { remedy: NonNullable<ToolFix['remedy']> };

async function remedies(memoryDir: string): Promise<RemedyFix[]> {
  const { value } = await withFixes(memoryDir, async (t) => t.read([...Array(t.count).keys()]));
  return value.filter((f): f is RemedyFix => !!f.remedy);
}

/** `aiw memory trust <tool> <pattern>`: a person, having read the remedy, lets it run by itself on this machine. */
export async function trustCommand(tool: string, pattern: string, opts: TrustOptions, io: Io): Promise<number> {
  const session = await openSession(opts, io);
  const all = await remedies(session.project.memoryDir);
  const fix = all.find((f) => f.tool_name === tool && f.error_pattern === pattern);
  if (!fix) {
    const same = all.filter((f) => f.tool_name === tool).map((f) => `aiw memory trust ${shellQuote(f.tool_name)} ${shellQuote(f.error_pattern)}`);
    throw new AiwError('USAGE', `no learned fix with a remedy for tool '${redact(tool)}' and pattern '${redact(pattern)}'`, {
      hint: same.length ? `remedies of that tool: ${same.join('; ')}` : 'see them all with: aiw memory trusted',
    });
  }
  const refusal = remedyRefusal(session.registry, fix.remedy);
  if (refusal) throw new AiwError('USAGE', `this remedy can never run, trusted or not: ${refusal}`);
  const entry = await trustRemedy(io.env, session.project.root, fix);
  const command = remedyCommand(fix.remedy.tool, fix.remedy.args);
  if (opts.json) io.stdout.write(`${JSON.stringify(redactValue({ trusted: entry, command, project: session.project.root }))}\n`);
  else io.stdout.write(redact(`Trusted on this machine: when ${fix.tool_name} fails with \`${fix.error_pattern}\`, aiw runs\n  ${command}\nand retries once. Any change to this remedy withdraws the trust.\n`));
  return EXIT.ok;
}

/** `aiw memory untrust <tool> [pattern]`. */
export async function untrustCommand(tool: string, pattern: string | undefined, opts: TrustOptions, io: Io): Promise<number> {
  const session = await openSession(opts, io);
  const removed = await untrustRemedy(io.env, session.project.root, tool, pattern);
  if (opts.json) io.stdout.write(`${JSON.stringify({ removed })}\n`);
  else io.stdout.write(redact(removed ? `No longer trusted: ${removed} remedy${removed > 1 ? ' remedies' : ''} of ${tool}; ${removed > 1 ? 'they are' : 'it is'} only suggested from now on.\n` : `Nothing was trusted for ${tool}${pattern ? ` and \`${pattern}\`` : ''}.\n`));
  return EXIT.ok;
}

/** `aiw memory trusted`: every learned remedy of the project and what aiw does with it: run, suggest, or refuse. */
export async function trustedCommand(opts: TrustOptions, io: Io): Promise<number> {
  const session = await openSession(opts, io);
  const trust = await readRemedyTrust(io.env, session.project.root);
  const fixes = await remedies(session.project.memoryDir);
  const hashes = new Set(fixes.map((f) => remedyHash(f)));
  const rows = fixes.map((f) => {
    const refusal = remedyRefusal(session.registry, f.remedy);
    const status = refusal ? 'refused' : trust.trusts(f) ? 'trusted' : 'suggested';
    return { tool: f.tool_name, pattern: f.error_pattern, status, command: remedyCommand(f.remedy.tool, f.remedy.args), line: f.line, ...(refusal ? { reason: refusal } : {}) };
  });
  // Trust given to a remedy that has since changed or gone: kept, but it matches nothing.
  const stale = trust.entries.filter((e) => !hashes.has(e.hash)).map((e) => ({ tool: e.tool, pattern: e.pattern, trusted_at: e.trusted_at }));
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(redactValue({ trust_file: trust.file, project: session.project.root, remedies: rows, stale }))}\n`);
    return EXIT.ok;
  }
  const out = [`Learned remedies of ${session.project.root} (trust kept in ${trust.file}): ${rows.length}`];
  for (const r of rows) {
    out.push(`  ${r.status.padEnd(9)} ${r.tool}: \`${r.pattern}\` (line ${r.line})`, `            ${r.command}`);
    if (r.reason) out.push(`            never runs: ${r.reason}`);
    else if (r.status === 'suggested') out.push(`            to let it run by itself: aiw memory trust ${shellQuote(r.tool)} ${shellQuote(r.pattern)}`);
  }
  for (const s of stale) out.push(`  changed   ${s.tool}: \`${s.pattern}\` was trusted ${s.trusted_at}, but its remedy changed or is gone; it does not run`);
  io.stdout.write(`${out.map(redact).join('\n')}\n`);
  return EXIT.ok;
}
