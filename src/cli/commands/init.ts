import { resolve } from 'node:path';
import { EXIT } from '../../errors/errors.js';
import { scaffoldProject } from '../../project/scaffold.js';
import type { Io } from '../io.js';

/** `aiw init [dir]`: a starter project; existing files are kept, never overwritten. */
export async function initCommand(dir: string | undefined, io: Io): Promise<number> {
  const target = resolve(io.cwd, dir ?? '.');
  const { created, kept } = await scaffoldProject(target);
  for (const f of created) io.stdout.write(`created ${f}\n`);
  for (const f of kept) io.stdout.write(`kept    ${f} (exists)\n`);
  const cd = dir && resolve(io.cwd, dir) !== io.cwd ? `cd ${dir} && ` : '';
  io.stdout.write(`\nNext: ${cd}aiw validate && aiw run example -i who=you\n`);
  return EXIT.ok;
}
