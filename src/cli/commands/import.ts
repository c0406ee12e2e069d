import { relative, resolve } from 'node:path';
import { EXIT } from '../../errors/errors.js';
import type { GlobalOptions } from '../../session/session.js';
import { importProject, type FileOutcome, type ImportedFile } from '../../skill/import-project.js';
import type { Io } from '../io.js';

interface ImportOptions extends GlobalOptions {
  out?: string;
  json?: boolean;
}

const OUTCOMES: FileOutcome[] = ['converted', 'copied', 'unchanged', 'kept', 'skipped', 'syntax-error'];

/**
 * `aiw import <dir>`: one line per change (`file:line: what changed`, the line of the source file),
 * a note for each file that needs a person, then a table per kind of file. Exit 0; what is left
 * to do is what `aiw validate` reports afterwards.
 */
export async function importCommand(dir: string, opts: ImportOptions, io: Io): Promise<number> {
  const report = await importProject(resolve(io.cwd, dir), resolve(io.cwd, opts.out ?? '.'));
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(report)}\n`);
    return EXIT.ok;
  }
  const shown = (p: string) => {
    const rel = relative(io.cwd, p);
    return rel.startsWith('..') ? p : rel || '.';
  };
  const lines: string[] = [];
  for (const f of report.files) {
    for (const c of f.changes) lines.push(`${shown(resolve(report.source, f.from))}:${c.line}: ${c.message}`);
    if (f.note) lines.push(`${shown(resolve(report.source, f.from))}: ${f.outcome}: ${f.note}`);
  }
  lines.push('', `aiw import: ${shown(report.source)} -> ${shown(report.out)}`, ...table(report.files));
  lines.push('', `next: aiw --root ${shown(report.out)} validate   (reports what still needs a person)`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

function table(files: ImportedFile[]): string[] {
  const kinds = { skill: 'skills', memory: 'memory', script: 'scripts', tool: 'tools' } as const;
  const head = ['', 'files', ...OUTCOMES, 'changes'];
  const rows = Object.entries(kinds)
    .map(([k, label]) => {
      const of = files.filter((f) => f.kind === k);
      return [label, String(of.length), ...OUTCOMES.map((o) => String(of.filter((f) => f.outcome === o).length)), String(of.reduce((n, f) => n + f.changes.length, 0))];
    })
    .filter((r) => r[1] !== '0');
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  return [fmt(head), ...rows.map(fmt)];
}
