import { AiwError, errorMessage } from '../errors/errors.js';
import type { Remedy } from '../model/learning.js';
import type { ToolDef } from '../model/tool.js';
import { prepareCall, type PreparedCall } from '../tools/execute-tool.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { RemedyTrust } from './remedy-trust.js';

/** Built-in tools that read or write memory: a remedy calling them could plant further remedies. */
export const MEMORY_TOOLS: readonly string[] = ['learn_tool_fix', 'debug_tool', 'check_known_issues'];

/**
 * Why a remedy may not run at all, whoever trusts it; null when it may. Only a tool that its author
 * marked `remedy_safe: true` can be a remedy, never a `shell: true` tool or a memory tool, and each
 * argument must fit its param's declared type: a list or mapping goes only to a param declared as
 * `array` or `object`, so a list can never turn into extra argv items (`--kubeconfig=…`).
 */
export function remedyRefusal(registry: ToolRegistry, remedy: { tool: string; args: Record<string, unknown> }): string | null {
  if (MEMORY_TOOLS.includes(remedy.tool)) return `'${remedy.tool}' reads or writes memory and can never be a remedy`;
  if (!registry.has(remedy.tool)) return `no tool named '${remedy.tool}' in this project`;
  const tool = registry.get(remedy.tool);
  if (tool.kind === 'command' && tool.shell) return `tool '${tool.name}' runs through a shell (shell: true) and can never be a remedy`;
  if (tool.remedy_safe !== true) return `tool '${tool.name}' is not marked remedy_safe: true in ${tool.location.file}`;
  const typeProblem = argTypeProblem(tool, remedy.args);
  if (typeProblem) return typeProblem;
  try {
    prepareCall(tool, remedy.args);
  } catch (err) {
    return errorMessage(err);
  }
  return null;
}

/** The same check as an error, for `learn-fix` and `learn_tool_fix` (refused before anything is written). */
export function checkRemedy(registry: ToolRegistry, remedy: { tool: string; args: Record<string, unknown> }): PreparedCall {
  if (!MEMORY_TOOLS.includes(remedy.tool)) registry.get(remedy.tool); // an unknown tool: its own error, with the closest names
  const refusal = remedyRefusal(registry, remedy);
  if (refusal) {
    throw new AiwError('USAGE', `the remedy cannot be saved: ${refusal}`, {
      hint: 'a remedy must be a tool marked remedy_safe: true (no shell, no memory tools) whose args fit its params',
    });
  }
  return prepareCall(registry.get(remedy.tool), remedy.args);
}

function argTypeProblem(tool: ToolDef, args: Record<string, unknown>): string | null {
  for (const [name, value] of Object.entries(args)) {
    const type = tool.params[name]?.type;
    if (value !== null && typeof value === 'object' && type !== 'array' && type !== 'object') {
      return `argument '${name}' of '${tool.name}' is ${Array.isArray(value) ? 'a list' : 'a mapping'}, but the param is ${type ? `a ${type}` : 'untyped'}; a remedy passes only what a param declares`;
    }
  }
  return null;
}

export type RemedyVerdict =
  | { run: true }
  | { run: false; status: 'suggested' | 'refused'; note: string; fixTool: string; pattern: string };

/** Run a learned remedy only when it is allowed at all and a person trusts it exactly as it is now. */
export function remedyVerdict(registry: ToolRegistry, r: Remedy, trust: RemedyTrust | undefined): RemedyVerdict {
  const base = { run: false as const, fixTool: r.fixTool, pattern: r.pattern };
  const refusal = remedyRefusal(registry, r);
  if (refusal) return { ...base, status: 'refused', note: `refused, not run: ${refusal}` };
  if (!trust?.trusts({ tool_name: r.fixTool, error_pattern: r.pattern, remedy: { tool: r.tool, args: r.args } })) {
    return {
      ...base, status: 'suggested',
      note: `suggested, not run: no one trusted it on this machine (or it changed since); after reviewing the command above, run: aiw memory trust ${quote(r.fixTool)} ${quote(r.pattern)}`,
    };
  }
  return { run: true };
}

function quote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
