import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openProject } from '../../project/project.js';
import { EXIT, ValidationError, errorMessage } from '../../errors/errors.js';
import { loadSkillFile } from '../../skill/load-skill.js';
import type { Io } from '../io.js';
import { openSession, type GlobalOptions } from '../../session/session.js';

interface ListOptions extends GlobalOptions {
  json?: boolean;
  names?: boolean;
  refresh?: boolean;
}

export async function listSkills(opts: ListOptions, io: Io): Promise<number> {
  const project = await openProject({ root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env });
  let files: string[] = [];
  try {
    files = (await readdir(project.skillsDir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const rows = await Promise.all(files.map(async (f) => {
    const file = join(project.skillsDir, f);
    try {
      const s = await loadSkillFile(file);
      return { name: s.name, description: s.description ?? '', file, inputs: s.inputs.map((i) => i.name) };
    } catch (err) {
      const problem = err instanceof ValidationError ? err.problems.length + ' problem(s); run aiw validate' : errorMessage(err);
      return { name: f.replace(/\.ya?ml$/, ''), description: '', file, error: problem };
    }
  }));
  if (opts.names) for (const r of rows) io.stdout.write(`${r.name}\n`);
  else if (opts.json) io.stdout.write(`${JSON.stringify({ root: project.root, skills: rows })}\n`);
  else printTable(io, rows.map((r) => [r.name, 'error' in r ? `INVALID: ${r.error}` : r.description]), `no skills in ${project.skillsDir}`);
  return EXIT.ok;
}

export async function listTools(opts: ListOptions, io: Io): Promise<number> {
  const session = await openSession({ ...opts, refreshMcp: opts.refresh }, io);
  await session.close();
  const rows = session.registry.all().map((t) => ({
    name: t.name, kind: t.kind, description: t.description ?? '', file: t.location.file, line: t.location.line,
    params: Object.keys(t.params), auto_heal: t.auto_heal,
  }));
  const servers = (session.registry.mcp?.servers ?? []).map((s) => ({
    name: s.spec.name, listed_from: s.listedFrom, fetched_at: s.fetchedAt, tools: s.tools.length, error: s.error,
  }));
  if (opts.names) for (const r of rows) io.stdout.write(`${r.name}\n`);
  else if (opts.json) io.stdout.write(`${JSON.stringify({ root: session.project.root, tools: rows, mcp_servers: servers })}\n`);
  else {
    printTable(io, rows.map((r) => [r.name, `${r.description}${r.kind === 'builtin' ? ' (built-in)' : r.kind === 'mcp' ? ' (MCP)' : ''}`]), 'no tools');
    for (const s of session.registry.mcp?.servers ?? []) {
      const how = s.error ? `tools unknown: ${s.error.split('\n')[0]}` : `${s.tools.length} tools, listed ${s.age} ago${s.listedFrom === 'cache' ? ' (cached; aiw tools --refresh reads them again)' : ''}`;
      io.stderr.write(`MCP server ${s.spec.name}: ${how}\n`);
    }
  }
  return EXIT.ok;
}

function printTable(io: Io, rows: string[][], empty: string): void {
  if (!rows.length) {
    io.stdout.write(`${empty}\n`);
    return;
  }
  const width = Math.min(40, Math.max(...rows.map((r) => r[0]!.length)));
  for (const [name, text] of rows) io.stdout.write(`${name!.padEnd(width)}  ${text}\n`);
}
