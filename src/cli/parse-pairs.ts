import { AiwError } from '../errors/errors.js';

/** `-i key=value` pairs plus an optional JSON object; the pairs win. Values stay strings until typed. */
export function parsePairs(pairs: string[], json: string | undefined, flag: string): Record<string, unknown> {
  let base: Record<string, unknown> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new AiwError('USAGE', `${flag}-json is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AiwError('USAGE', `${flag}-json must be a JSON object`);
    base = parsed as Record<string, unknown>;
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new AiwError('USAGE', `${flag} '${pair}' must look like key=value`);
    base[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return base;
}
