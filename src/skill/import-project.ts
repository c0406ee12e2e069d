import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { AiwError } from '../errors/errors.js';
import { shippedRoot } from '../project/project.js';
import { importSkillText, type ImportChange } from './import-original.js';

/** What happened to one file. `kept` means a different file was already there and was left alone. */
export type FileOutcome = 'converted' | 'copied' | 'unchanged' | 'kept' | 'skipped' | 'syntax-error';

export interface ImportedFile {
  /** Path in the source project, relative to it. */
  from: string;
  /** Path written in the output project, relative to it (absent when skipped). */
  to?: string;
  kind: 'skill' | 'memory' | 'script' | 'tool';
  outcome: FileOutcome;
  changes: ImportChange[];
  note?: string;
}

export interface ImportReport {
  source: string;
  out: string;
  files: ImportedFile[];
}

const MAX_FILES = 10_000;

/**
 * `aiw import`: read a Python-project directory (skills/, memory/learned/, scripts/) and write an aiw
 * project to `out`. The source is only ever read. A file already in `out` that differs from what the
 * import would write is kept (never overwritten) and reported, so running the import again, or over
 * a project someone edited, changes nothing it should not.
 */
export async function importProject(sourceDir: string, outDir: string): Promise<ImportReport> {
  const source = resolve(sourceDir);
  const out = resolve(outDir);
  if (!existsSync(join(source, 'skills'))) throw new AiwError('USAGE', `${source} has no skills/ folder: is it the Python project's root?`);
  if (out === source || out.startsWith(source + sep)) {
    throw new AiwError('USAGE', `--out ${out} is inside the source project ${source}; aiw import never writes there`, { hint: 'pass --out with a folder outside it' });
  }
  const files: ImportedFile[] = [];
  const skillsDir = join(source, 'skills');
  for (const name of await listFiles(skillsDir)) {
    const from = join('skills', name);
    if (!/\.ya?ml$/.test(name)) continue;
    if (name.includes(sep)) {
      files.push({ from, kind: 'skill', outcome: 'skipped', changes: [], note: 'skills in subfolders are not read by aiw: move it to skills/ by hand' });
      continue;
    }
    const text = await readFile(join(skillsDir, name), 'utf8');
    const imported = importSkillText(text);
    const to = join('skills', name);
    const written = await writeIfNew(join(out, to), imported.text);
    // Written before, byte for byte: nothing changed this time, so no change lines either.
    const outcome: FileOutcome = imported.syntaxError ? 'syntax-error' : written === 'kept' ? 'kept' : written === 'unchanged' ? 'unchanged' : imported.changes.length ? 'converted' : 'copied';
    const file: ImportedFile = { from, to, kind: 'skill', outcome, changes: outcome === 'converted' ? imported.changes : [] };
    if (imported.syntaxError) file.note = `${imported.syntaxError.line}:${imported.syntaxError.col}: ${imported.syntaxError.message} (copied as it is)`;
    if (written === 'kept') file.note = `${to} already exists with other content: left as it is`;
    files.push(file);
  }
  for (const [dir, kind] of [['memory/learned', 'memory'], ['scripts', 'script']] as const) {
    const from = join(source, dir);
    if (!existsSync(from)) continue;
    for (const name of await listFiles(from)) {
      if (name.split(sep).includes('__pycache__') || name.endsWith('.pyc')) continue;
      const rel = join(dir, name);
      files.push(await copyOne(join(from, name), out, rel, kind));
    }
  }
  // The Python project's tools are Python functions; aiw's shipped tools carry the same names and
  // accept the same params. A new project gets a copy to start from; an existing tools/ is left alone.
  if (!existsSync(join(out, 'tools'))) {
    const shipped = join(shippedRoot(), 'tools');
    for (const name of (await listFiles(shipped)).filter((n) => /\.ya?ml$/.test(n) && !n.includes(sep))) {
      files.push({ ...(await copyOne(join(shipped, name), out, join('tools', name), 'tool')), from: `(aiw) tools/${name}` });
    }
  }
  return { source, out, files };
}

async function copyOne(from: string, out: string, rel: string, kind: ImportedFile['kind']): Promise<ImportedFile> {
  const written = await writeIfNew(join(out, rel), await readFile(from));
  const file: ImportedFile = { from: rel, to: rel, kind, outcome: written === 'written' ? 'copied' : written, changes: [] };
  if (written === 'kept') file.note = `${rel} already exists with other content: left as it is (merge by hand)`;
  return file;
}

async function writeIfNew(file: string, content: string | Buffer): Promise<'written' | 'unchanged' | 'kept'> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  if (existsSync(file)) return (await readFile(file)).equals(bytes) ? 'unchanged' : 'kept';
  await mkdir(resolve(file, '..'), { recursive: true });
  await writeFile(file, bytes, { flag: 'wx' });
  return 'written';
}

/** Regular files under `dir`, relative to it, sorted; symlinks are not followed (nothing outside is read). */
async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= MAX_FILES) throw new AiwError('USAGE', `more than ${MAX_FILES} files under ${dir}; import a smaller tree`);
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) found.push(relative(dir, full));
    }
  };
  if ((await stat(dir)).isDirectory()) await walk(dir);
  return found;
}
