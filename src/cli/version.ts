import { readFileSync } from 'node:fs';

declare const __AIW_VERSION__: string | undefined;

/** The bundle has the version baked in at build time; from source, read package.json. */
export function aiwVersion(): string {
  if (typeof __AIW_VERSION__ === 'string') return __AIW_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
