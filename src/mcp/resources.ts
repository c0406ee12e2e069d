import { open } from 'node:fs/promises';
import { AiwError } from '../errors/errors.js';
import { learnedFile, type LearnedFile } from '../memory/fix-store.js';
import { redact } from '../secrets/redact.js';
import { openProject } from '../project/project.js';
import type { ServeOptions } from './call-tool.js';
import { loadSkills } from './catalog.js';

export interface ResourceEntry {
  uri: string;
  name: string;
  description: string;
  mimeType: string;
}

const MEMORY_FILES: Array<[LearnedFile, string]> = [
  ['tool_fixes', 'Learned tool fixes: error patterns with root cause, fix and remedy'],
  ['patterns', 'Known error patterns by category, with their meaning and fix'],
  ['tool_failures', 'The attempt log: every failed attempt, fix and remedy, oldest first'],
];

/** A resource is read whole up to this size; the attempt log may be larger, and its newest part matters. */
const MAX_RESOURCE_BYTES = 1024 * 1024;

/** The memory files and the skill definitions, by URI: `aiw://memory/<file>.yaml`, `aiw://skills/<name>`. */
export async function listResources(opts: ServeOptions): Promise<ResourceEntry[]> {
  const project = await openProject({ root: opts.globals.root, memoryDir: opts.globals.memoryDir, cwd: opts.io.cwd, env: opts.io.env });
  const out: ResourceEntry[] = MEMORY_FILES.map(([name, description]) => ({
    uri: `aiw://memory/${name}.yaml`, name: `memory/${name}.yaml`, description, mimeType: 'application/yaml',
  }));
  for (const s of await loadSkills(project)) {
    out.push({ uri: `aiw://skills/${s.name}`, name: `skills/${s.name}`, description: s.skill?.description ?? (s.error ? `invalid: ${s.error.split('\n')[0]}` : ''), mimeType: 'application/yaml' });
  }
  return out;
}

export async function readResource(uri: string, opts: ServeOptions): Promise<{ uri: string; mimeType: string; text: string }> {
  const project = await openProject({ root: opts.globals.root, memoryDir: opts.globals.memoryDir, cwd: opts.io.cwd, env: opts.io.env });
  const memory = /^aiw:\/\/memory\/(tool_fixes|patterns|tool_failures)\.yaml$/.exec(uri);
  let file: string | undefined;
  if (memory) file = learnedFile(project.memoryDir, memory[1] as LearnedFile);
  const skill = /^aiw:\/\/skills\/([A-Za-z0-9_.-]+)$/.exec(uri);
  if (skill) file = (await loadSkills(project)).find((s) => s.name === skill[1])?.file;
  if (!file) throw new AiwError('USAGE', `no resource '${uri}'`, { hint: 'list them with resources/list' });
  return { uri, mimeType: 'application/yaml', text: redact(await readTail(file)) };
}

async function readTail(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, MAX_RESOURCE_BYTES);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const text = buf.toString('utf8');
    return size > length ? `# aiw: the first ${size - length} bytes are left out; the newest ${length} follow\n${text.slice(text.indexOf('\n') + 1)}` : text;
  } finally {
    await handle.close();
  }
}

/** The prompt that walks an agent through the learning loop, as the original's docs describe it. */
export function fixToolPrompt(toolName: string, errorText?: string): string {
  return [
    `The aiw tool \`${toolName}\` failed${errorText ? ` with:\n\n\`\`\`\n${errorText}\n\`\`\`\n` : '.'}`,
    '',
    'Fix it and make sure aiw remembers the fix:',
    `1. Call \`check_known_issues\` with tool_name "${toolName}"${errorText ? ' and this error_text' : ''}. If a known fix matches, apply it and skip to step 4.`,
    `2. Call \`debug_tool\` with tool_name "${toolName}"${errorText ? ' and the error_text' : ''}: it shows where the tool is defined, what it ran, its recent failures and what to check.`,
    '3. Find the root cause and fix it (the tool definition, the environment, or the inputs). Then call the tool again',
    `   (\`tool_${toolName.replace(/[^A-Za-z0-9_-]/g, '_')}\`) to check that it works now.`,
    '4. Call `learn_tool_fix` with tool_name, error_pattern (a short, stable part of the error text: plain words or /regex/),',
    '   root_cause and fix_description; add a remedy {tool, args} only if running that tool fixes the failure by itself.',
    `5. Call \`check_known_issues\` again with the error text: the new fix must be found.`,
  ].join('\n');
}
