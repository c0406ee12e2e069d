import { AiwError, EXIT } from '../../errors/errors.js';
import type { RemedySpec } from '../../memory/fix-store.js';
import { describeSaved } from '../../learn/saved-fix-text.js';
import { trustRemedy } from '../../heal/remedy-trust.js';
import { checkRemedy } from '../../heal/remedy-gate.js';
import type { Io } from '../io.js';
import { closestNames } from '../../errors/did-you-mean.js';
import { parsePairs } from '../parse-pairs.js';
import { openSession, type GlobalOptions } from '../../session/session.js';

export interface LearnFixOptions extends GlobalOptions {
  tool?: string;
  pattern?: string;
  rootCause?: string;
  fix?: string;
  remedyTool?: string;
  remedyArg?: string[];
  /** The person saving the remedy trusts it in the same step (they are the person who would). */
  trust?: boolean;
  json?: boolean;
}

type Positional = Record<string, string | undefined>;

const FIELDS = [
  ['tool', '--tool'],
  ['pattern', '--pattern'],
  ['rootCause', '--root-cause'],
  ['fix', '--fix'],
] as const;

/** `aiw learn-fix`: save (or update) a tool fix so the next failure like it shows it, or heals itself. */
export async function learnFixCommand(positional: Positional, opts: LearnFixOptions, io: Io): Promise<number> {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, flag] of FIELDS) {
    const fromFlag = opts[key];
    const fromArg = positional[key];
    if (fromFlag !== undefined && fromArg !== undefined && fromFlag !== fromArg) {
      throw new AiwError('USAGE', `${flag} and the positional ${key} disagree ('${fromFlag}' vs '${fromArg}'); give it once`);
    }
    const value = fromFlag ?? fromArg;
    if (value === undefined || value.trim() === '') missing.push(flag);
    else values[key] = value;
  }
  if (missing.length) {
    throw new AiwError('USAGE', `learn-fix needs ${missing.join(', ')}`, {
      hint: 'aiw learn-fix --tool bonfire_deploy --pattern "manifest unknown" --root-cause "short SHA not in Quay" --fix "use the full 40-char SHA"',
    });
  }
  const remedyArgs = opts.remedyArg ?? [];
  if (remedyArgs.length && !opts.remedyTool) throw new AiwError('USAGE', '--remedy-arg needs --remedy-tool');
  const session = await openSession(opts, io);
  // Only the tool list is needed: MCP servers started to read it are stopped at once.
  await session.close();
  if (!session.registry.has(values.tool!.trim())) {
    // Not refused: the seed keyed some fixes by skill ("test_mr_ephemeral skill"). But a typo would never match.
    const near = closestNames(values.tool!, session.registry.names());
    io.stderr.write(`aiw: note: no tool named '${values.tool!}' in this project${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : ''}; the fix is saved under that exact name\n`);
  }
  let remedy: RemedySpec | undefined;
  if (opts.remedyTool) {
    remedy = { tool: opts.remedyTool, args: parsePairs(remedyArgs, undefined, '--remedy-arg') };
    checkRemedy(session.registry, remedy);
  }
  const warnings: string[] = [];
  const result = await (await session.memory()).learnFix({
    tool: values.tool!, pattern: values.pattern!, rootCause: values.rootCause!, fix: values.fix!, remedy,
  }, warnings).finally(() => session.memory.close());
  for (const w of warnings) io.stderr.write(`aiw: warning: ${w}\n`);
  const trusted = !!(opts.trust && result.fix.remedy);
  if (trusted) await trustRemedy(io.env, session.project.root, { ...result.fix, remedy: result.fix.remedy! });
  if (opts.json) io.stdout.write(`${JSON.stringify(result.fix)}\n`);
  else io.stdout.write(describeSaved(result, trusted));
  return EXIT.ok;
}
