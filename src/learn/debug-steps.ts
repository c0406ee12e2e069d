import { compilePattern } from '../pattern/match.js';
import { DEFAULT_PROFILES, type HealProfile } from '../heal/profiles.js';
import type { ToolDef } from '../model/tool.js';
import type { DebugReport } from './debug-model.js';
import { shellQuote } from './known-issues.js';

interface StepInput {
  tool: ToolDef;
  report: DebugReport;
  config: Record<string, unknown>;
  configFile: string;
  commonMistakes: unknown;
}

// When tool_fixes.yaml has no common_mistakes, these are the seed's.
const DEFAULT_MISTAKES = [
  'missing non-interactive flags: CLI tools often need --yes / --force / --no-interactive in automation',
  'wrong formats: a short 8-char git SHA where the full 40-char SHA is needed, a tag where a sha256 digest is needed',
  'wrong or missing arguments, environment variables or config values',
];

/** Numbered-list items: reproduce, class-specific causes, look at the definition, fix, save the fix. */
export function debugSteps(input: StepInput): string[] {
  const { tool, report } = input;
  const where = `${report.location.file}${report.location.line ? `:${report.location.line}` : ''}`;
  const steps = [`Reproduce it: ${reproduceCommand(tool)}`];
  if (report.known_issues.length) steps.push('Try the known fixes listed above first; they matched this tool or this error before.');
  switch (report.failure_class) {
    case 'auth':
      steps.push(...authSteps(input));
      break;
    case 'network':
      steps.push(...networkSteps(input));
      break;
    case 'timeout':
      steps.push(`It ran out of time. If it is just slow, raise \`timeout:\` on the tool (${where}) or on the step (e.g. \`timeout: 5m\`).`);
      steps.push('If it was waiting for input (a prompt, a pager, a confirmation), it will never finish in automation: add the non-interactive flag (--yes, --force, --no-pager).');
      break;
    default:
      steps.push(`Check the common causes:\n${mistakes(input.commonMistakes).map((m) => `   - ${m}`).join('\n')}`);
  }
  steps.push(`Read the definition at ${where}${tool.kind === 'command' ? ' and run its command by hand with the same arguments' : ''} to see what it really does.`);
  steps.push(`Fix the cause (the tool definition, the step's arguments, or the environment), then run ${reproduceCommand(tool)} again until it passes.`);
  steps.push(`Save the fix so aiw shows it next time: ${report.learn_fix_command}`);
  steps.push('If running a tool cures it (a login, a cleanup), add --remedy-tool <tool> [--remedy-arg key=value] --trust so aiw runs it and retries by itself (the tool must be marked remedy_safe: true).');
  return steps;
}

function authSteps({ tool, report, config, configFile }: StepInput): string[] {
  const fix = profileFix(tool, config, 'auth');
  const steps = [`The error says a login is missing or expired${report.classified_by ? ` (matched '${report.classified_by}')` : ''}.`];
  if (fix) {
    const args = Object.entries(fix.args ?? {}).map(([k, v]) => `-a ${shellQuote(`${k}=${placeholder(v)}`)}`).join(' ');
    steps.push(`Refresh it: aiw tool ${fix.tool}${args ? ` ${args}` : ''} (heal profile '${tool.auto_heal}').`);
    steps.push(`That login runs the command configured in ${configFile} under environments.<env>.${fix.tool} or heal_commands.${fix.tool}; check it is set and works by hand.`);
  } else {
    steps.push('Log in again with the CLI the tool uses (oc login / kubectl config, gh auth login, a token refresh).');
    steps.push(`To have aiw refresh it by itself, give the tool a heal profile with an auth fix (e.g. \`auto_heal: k8s\`) at ${report.location.file}.`);
  }
  if (tool.kind === 'http' && tool.http.bearer_token_env) steps.push(`Check that $${tool.http.bearer_token_env} holds a valid, unexpired token.`);
  return steps;
}

function networkSteps({ tool, report, config, configFile }: StepInput): string[] {
  const fix = profileFix(tool, config, 'network');
  const steps = [`The host could not be reached${report.classified_by ? ` (matched '${report.classified_by}')` : ''}: usually the VPN is down or the host/URL is wrong.`];
  steps.push(fix ? `Reconnect: aiw tool ${fix.tool} (heal profile '${tool.auto_heal}'; the command is configured in ${configFile} under heal_commands.${fix.tool}).` : `Connect the VPN (aiw tool vpn_connect, configured under heal_commands.vpn_connect in ${configFile}).`);
  const target = tool.kind === 'http' ? tool.http.url : tool.kind === 'command' ? (Array.isArray(tool.command) ? tool.command.join(' ') : tool.command) : undefined;
  steps.push(`Check the host is right and resolves${target ? `: ${target}` : ''}.`);
  return steps;
}

function profileFix(tool: ToolDef, config: Record<string, unknown>, cls: string): { tool: string; args?: Record<string, unknown> } | undefined {
  if (!tool.auto_heal) return undefined;
  const profiles = (config.auto_heal as { profiles?: Record<string, HealProfile> } | undefined)?.profiles;
  return (profiles?.[tool.auto_heal] ?? DEFAULT_PROFILES[tool.auto_heal])?.[cls];
}

/** `{{ args.environment }}` -> `<environment>`: the person fills it in. */
function placeholder(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\{\{\s*(?:args\.|inputs\.)?([\w.]+)\s*\}\}/g, '<$1>');
}

function mistakes(common: unknown): string[] {
  if (!common || typeof common !== 'object' || Array.isArray(common)) return DEFAULT_MISTAKES;
  const out: string[] = [];
  for (const [name, group] of Object.entries(common as Record<string, unknown>).slice(0, 10)) {
    const g = (group ?? {}) as { description?: unknown; examples?: unknown };
    const examples = Array.isArray(g.examples) ? g.examples.slice(0, 4).map(exampleText) : [];
    out.push(`${name}: ${typeof g.description === 'string' ? g.description : ''}${examples.length ? ` (e.g. ${examples.join('; ')})` : ''}`);
  }
  return out.length ? out : DEFAULT_MISTAKES;
}

/** The seed writes examples as text or as `tool: flag` pairs. */
function exampleText(e: unknown): string {
  if (e && typeof e === 'object' && !Array.isArray(e)) return Object.entries(e).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return typeof e === 'string' ? e : JSON.stringify(e);
}

function reproduceCommand(tool: ToolDef): string {
  const required = Object.entries(tool.params).filter(([, p]) => p.required && p.default === undefined);
  return ['aiw tool', tool.name, ...required.map(([k]) => `-a ${k}=<${k}>`)].join(' ');
}

/** The exact learn-fix command, pre-filled with the tool and a pattern taken from the error. */
export function learnFixCommand(tool: string, pattern: string | null): string {
  return `aiw learn-fix --tool ${shellQuote(tool)} --pattern ${shellQuote(pattern ?? '<error pattern>')} --root-cause '<why it failed>' --fix '<what fixed it>'`;
}

const NOISE = /^(?:exit code -?\d+|killed by \w+|timed out after \d+ ms and was stopped)(?::\s*|$)/i;
const PREFIX = /^(?:\[?\d{4}-\d\d-\d\d[T ][\d:.,]+(?:Z|[+-]\d\d:?\d\d)?\]?\s*|(?:error|fatal|err|panic|exception|level=error)[:!\]]\s*|msg=)+/i;
// Words that change from run to run: numbers, hashes, paths, URLs, templates, quoted names.
const VARIABLE = /\d{3,}|^[0-9a-f]{7,}$|[/\\{}<>]|https?:|^["'`]|["'`]$/i;
const KEYWORD = /\b(?:error|fail|failed|unknown|not found|denied|refused|invalid|cannot|can't|could not|unable|expired|unauthori[sz]ed|forbidden|missing|no such|timeout|timed out)\b/i;

/**
 * A distinctive phrase of the error to use as a plain pattern: the line that reads most like the
 * error, without timestamps, "error:" prefixes and aiw's "exit code N:", cut before the first
 * part that changes from run to run (numbers, hashes, paths, quoted names). Null if none fits.
 */
export function suggestPattern(errorText: string): string | null {
  const lines = errorText.split(/\r?\n/).map((l) => l.trim().replace(NOISE, '').replace(PREFIX, '').trim()).filter((l) => /[a-z]{3}/i.test(l));
  const ranked = [...lines].sort((a, b) => Number(KEYWORD.test(b)) - Number(KEYWORD.test(a)));
  for (const line of ranked.slice(0, 20)) {
    for (const segment of line.split(/:\s+/)) {
      const words: string[] = [];
      for (const w of segment.split(/\s+/)) {
        if (VARIABLE.test(w) || words.length >= 8) break;
        words.push(w);
      }
      const phrase = words.join(' ').replace(/[\s,.;:!?-]+$/, '');
      if (phrase.split(' ').length < 2 && phrase.length < 6) continue;
      if (phrase.startsWith('/') || compilePattern(phrase).match(errorText) === null) continue;
      return phrase;
    }
  }
  return null;
}
