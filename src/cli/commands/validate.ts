import { relative } from 'node:path';
import { EXIT, formatProblem } from '../../errors/errors.js';
import type { GlobalOptions } from '../../session/session.js';
import { validateProject } from '../../validate/validate-project.js';
import type { Io } from '../io.js';

interface ValidateOptions extends GlobalOptions {
  json?: boolean;
}

/** `aiw validate`: the merge-request lint. Exit 0 when clean, 2 when any problem is found. */
export async function validateCommand(files: string[], opts: ValidateOptions, io: Io): Promise<number> {
  const { problems, files: count } = await validateProject({ files, root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env });
  const shown = problems.map((p) => ({ ...p, file: relative(io.cwd, p.file) || p.file }));
  // Warnings are shown and counted apart; only errors fail the lint.
  const errors = problems.filter((p) => p.severity !== 'warning').length;
  const warnings = problems.length - errors;
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: !errors, files: count, problems: shown })}\n`);
  else {
    for (const p of shown) io.stdout.write(`${formatProblem(p)}\n`);
    const also = warnings ? ` (and ${warnings} warning${warnings === 1 ? '' : 's'})` : '';
    io.stderr.write(errors ? `aiw validate: ${errors} problem${errors === 1 ? '' : 's'} in ${count} files${also}\n` : `aiw validate: ${count} files OK${also}\n`);
  }
  if (io.env.GITHUB_ACTIONS === 'true') {
    const { workflowCommand } = await import('../../report/github-reporter.js');
    for (const p of shown) io.stdout.write(workflowCommand(p.severity === 'warning' ? 'warning' : 'error', { file: p.file, line: p.line, col: p.col }, p.message));
  }
  return errors ? EXIT.usage : EXIT.ok;
}
