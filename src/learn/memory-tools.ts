import type { KnownIssueMatch } from '../model/run.js';
import { AiwError, errorMessage } from '../errors/errors.js';
import { redact, redactValue } from '../secrets/redact.js';
import { failureResult, type BuiltinTool, type ToolResult } from '../model/tool.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { RemedySpec } from '../memory/fix-store.js';
import type { MemoryStore } from '../memory/store.js';
import { checkRemedy } from '../heal/remedy-gate.js';
import { monotonicMs } from '../model/clock.js';

/** What the memory tools need from the session; the registry is a getter because it holds these tools. */
export interface MemoryToolsContext {
  memoryDir: string;
  /** Where memory lives (opened on first use); the files under `memoryDir` unless given. */
  store?: () => Promise<MemoryStore>;
  registry: () => ToolRegistry;
  config: Record<string, unknown>;
  configFile: string;
}

const LOCATION = { file: 'src/learn/memory-tools.ts' };

/**
 * `check_known_issues`, `learn_tool_fix` and `debug_tool`: the learning loop as tools a skill step
 * can call, as the seed's skills do (check known issues before the first kubectl call, save a fix
 * after it worked). Each returns a ToolResult: data in `output`, the readable text in `stdout`.
 */
export function memoryTools(ctx: MemoryToolsContext): BuiltinTool[] {
  return [
    {
      kind: 'builtin', name: 'check_known_issues', location: LOCATION,
      description: 'Look up learned fixes and known error patterns for a tool and/or an error text',
      params: {
        tool_name: { type: 'string', description: 'the tool that failed (or is about to run)' },
        error_text: { type: 'string', description: 'the error text to match against the learned patterns' },
      },
      run: (args) => guarded(async () => {
        // Memory code loads when a memory tool runs, not with every session that registers it.
        const { lookupKnownIssues } = await import('./known-issues.js');
        const result = await lookupKnownIssues(ctx.store ? await ctx.store() : ctx.memoryDir, str(args.tool_name), str(args.error_text));
        const matches = redactValue(result.matches);
        const text = knownIssuesMarkdown(matches, str(args.tool_name));
        return { found: matches.length > 0, matches, text, warnings: result.warnings.map(redact) };
      }),
    },
    {
      kind: 'builtin', name: 'learn_tool_fix', location: LOCATION,
      description: 'Save a fix to memory so the same failure shows it (or, with a remedy, heals itself) next time',
      params: {
        tool_name: { type: 'string', required: true },
        error_pattern: { type: 'string', required: true, description: 'plain text (word boundaries) or /regex/flags' },
        root_cause: { type: 'string', required: true },
        fix_description: { type: 'string', required: true },
        remedy: { type: 'object', description: '{tool, args}: a tool aiw runs by itself before retrying once' },
      },
      run: (args) => guarded(async () => {
        const remedy = args.remedy ? (args.remedy as RemedySpec) : undefined;
        if (remedy) checkRemedy(ctx.registry(), { tool: remedy.tool, args: remedy.args ?? {} });
        const warnings: string[] = [];
        const store = ctx.store ? await ctx.store() : (await import('../memory/file-store.js')).fileStore(ctx.memoryDir);
        const saved = await store.learnFix({
          tool: str(args.tool_name)!, pattern: str(args.error_pattern)!, rootCause: str(args.root_cause)!, fix: str(args.fix_description)!,
          remedy: remedy ? { tool: remedy.tool, args: remedy.args ?? {} } : undefined,
        }, warnings);
        const { describeSaved } = await import('./saved-fix-text.js');
        return { saved: redactValue(saved.fix), created: saved.created, file: saved.file, text: describeSaved(saved), warnings: warnings.map(redact) };
      }),
    },
    {
      kind: 'builtin', name: 'debug_tool', location: LOCATION,
      description: "Where a failing tool is defined, its recent failures, known issues, and step-by-step instructions to fix it and save the fix",
      params: {
        tool_name: { type: 'string', required: true },
        error_text: { type: 'string', description: 'the error text (default: its last recorded failure)' },
      },
      run: (args) => guarded(async () => {
        const tool = ctx.registry().get(str(args.tool_name)!);
        const [{ buildDebugReport }, { formatDebugReport }] = await Promise.all([import('./debug-report.js'), import('./debug-text.js')]);
        const report = redactValue(await buildDebugReport({ tool, errorText: str(args.error_text), memoryDir: ctx.memoryDir, store: await ctx.store?.(), config: ctx.config, configFile: ctx.configFile }));
        return { ...report, text: formatDebugReport(report) };
      }),
    },
  ];
}

/** The seed's "💡 Known Issues Found!" block as markdown. */
export function knownIssuesMarkdown(matches: KnownIssueMatch[], tool?: string): string {
  if (!matches.length) return `No known issues found${tool ? ` for \`${tool}\`` : ''}. If you fix it, save the fix with learn_tool_fix.\n`;
  const out = ['## 💡 Known Issues Found!', ''];
  for (const m of matches) {
    out.push(m.source === 'tool_fixes' ? `**Previous fix for \`${m.tool_name}\`:**` : `**Known pattern${m.category ? ` (${m.category})` : ''}:**`);
    if (m.pattern) out.push(`- Pattern: \`${m.pattern}\``);
    if (m.meaning) out.push(`- Meaning: ${m.meaning}`);
    if (m.root_cause) out.push(`- Root cause: ${m.root_cause}`);
    if (m.fix) out.push(`- **Fix:** ${m.fix}`);
    for (const c of m.commands ?? []) out.push(`- Run: \`${c}\``);
    if (m.times_prevented) out.push(`- Prevented ${m.times_prevented} time${m.times_prevented === 1 ? '' : 's'}`);
    out.push('');
  }
  return out.join('\n');
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

/** Failures are data: a refused pattern or an unknown tool comes back as a failed ToolResult. */
async function guarded(fn: () => Promise<Record<string, unknown> & { text: string }>): Promise<ToolResult> {
  const started = monotonicMs();
  try {
    const output = await fn();
    return { ok: true, output, timedOut: false, stdout: output.text, stderr: '', durationMs: Math.round(monotonicMs() - started) };
  } catch (err) {
    const hint = err instanceof AiwError && err.hint ? ` (${err.hint})` : '';
    return failureResult(redact(`${errorMessage(err)}${hint}`), Math.round(monotonicMs() - started));
  }
}
