import { isAbsolute, relative, sep } from 'node:path';

/** A path relative to `base` with `/` separators, as CI viewers show and link it; absolute when outside `base`. */
export function displayPath(file: string, base: string): string {
  const rel = relative(base, file);
  if (!rel || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return file;
  return rel.split(sep).join('/');
}
