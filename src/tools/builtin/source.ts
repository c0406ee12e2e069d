import type { SourceLocation } from '../../errors/errors.js';

/**
 * Where a built-in tool is written, relative to the package root: `src/` ships with aiw, and the
 * line is looked up in that file when someone asks (debug-tool), since bundling moves the code.
 */
export function builtinSource(fileName: string): SourceLocation {
  return { file: `src/tools/builtin/${fileName}` };
}
