import { openProject } from '../../project/project.js';
import { AiwError, EXIT } from '../../errors/errors.js';
import { classifyError, lookupKnownIssues, precompileClassifierOf } from '../../learn/known-issues.js';
import { formatKnownIssues } from '../../learn/known-issue-text.js';
import { addSecretsFromEnv } from '../../secrets/redact.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../../session/session.js';
import { openMemoryStore } from '../../memory/open-store.js';

export interface KnownIssuesOptions extends GlobalOptions {
  tool?: string;
  error?: string;
  json?: boolean;
}

/**
 * `aiw known-issues`: what memory knows about a tool and/or an error text. Needs neither the tool
 * registry nor a skill, so it opens only the project's config and memory (it runs on every
 * failure in some CI setups; start-up cost matters).
 */
export async function knownIssuesCommand(opts: KnownIssuesOptions, io: Io): Promise<number> {
  if (opts.tool === undefined && opts.error === undefined) {
    throw new AiwError('USAGE', 'known-issues needs --tool, --error, or both', {
      hint: 'e.g. aiw known-issues --tool bonfire_deploy --error "manifest unknown"',
    });
  }
  addSecretsFromEnv(io.env);
  const project = await openProject({ root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env });
  const store = await openMemoryStore({ memoryDir: project.memoryDir, config: project.config, env: io.env, onNotice: (n) => io.stderr.write(`aiw: note: ${n}\n`) });
  // Closed once looked up: a database's connections closed now let the process end as soon as the
  // answer is out (see session.ts, memoryStoreOf).
  const lookup = lookupKnownIssues(store, opts.tool, opts.error).finally(() => store.close());
  // The classifier compiles in the lookup's waits (a memory database's login and queries).
  const compiling = opts.error === undefined ? undefined : precompileClassifierOf(project.config);
  const result = await lookup;
  await compiling;
  for (const w of result.warnings) io.stderr.write(`aiw: warning: ${w}\n`);
  const classification = opts.error === undefined ? null : classifyError(project.config, opts.error);
  if (opts.json) {
    const doc: Record<string, unknown> = { failure_class: classification?.class ?? null, matches: result.matches };
    if (classification) doc.classified_by = classification.pattern;
    if (result.total > result.matches.length) doc.more = result.total - result.matches.length;
    io.stdout.write(`${JSON.stringify(doc)}\n`);
    return EXIT.ok;
  }
  if (classification) io.stdout.write(`failure class: ${classification.class} (matched '${classification.pattern}')\n`);
  if (!result.matches.length) {
    const what = [opts.tool && `tool '${opts.tool}'`, opts.error !== undefined && 'this error'].filter(Boolean).join(' or ');
    io.stdout.write(`No known issues for ${what}.\n`);
    io.stdout.write(`To investigate and then save the fix: aiw debug-tool ${opts.tool ?? '<tool>'}${opts.error ? ' "<error text>"' : ''}\n`);
    return EXIT.ok;
  }
  for (const line of formatKnownIssues(result.matches, '')) io.stdout.write(`${line}\n`);
  if (result.total > result.matches.length) io.stdout.write(`(${result.total - result.matches.length} more matches not shown)\n`);
  return EXIT.ok;
}
