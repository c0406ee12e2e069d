import { relative } from 'node:path';
import { EXIT, formatProblem } from '../../errors/errors.js';
import type { GlobalOptions } from '../../session/session.js';
import { validateProject } from '../../validate/validate-project.js';
import type { Io } from '../io.js';

interface ValidateOptions extends GlobalOptions {
  json?: boolean;
}

/** `aiw validate`: the merge-request lint. Exit 0 when clean or only warnings, 2 when any error is found. */
export async function validateCommand(files: string[], opts: ValidateOptions, io: Io): Promise<number> {
  const { problems, files: count, notes } = await validateProject({ files, root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env });
  const shown = problems.map((p) => ({ ...p, file: relative(io.cwd, p.file) || p.file }));
  const errors = problems.filter((p) => p.severity !== 'warning').length;
  const warned = problems.length - errors;
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: !errors, files: count, problems: shown, notes })}\n`);
  else {
    for (const n of notes) io.stderr.write(`aiw validate: note: ${n}\n`);
    for (const p of shown) io.stdout.write(`${formatProblem(p)}\n`);
    const tail = warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : '';
    const files = `${count} file${count === 1 ? '' : 's'}`;
    io.stderr.write(errors ? `aiw validate: ${errors} problem${errors === 1 ? '' : 's'} in ${files}${tail}\n` : `aiw validate: ${files} OK${tail}\n`);
  }
  if (io.env.GITHUB_ACTIONS === 'true') {
    const { workflowCommand } = await import('../../report/github-reporter.js');
    for (const p of shown) io.stdout.write(workflowCommand(p.severity === 'warning' ? 'warning' : 'error', { file: p.file, line: p.line, col: p.col }, p.message));
  }
  return errors ? EXIT.usage : EXIT.ok;
}
