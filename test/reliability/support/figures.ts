import { appendFileSync } from 'node:fs';

/**
 * The figures docs/reliability.md quotes (processes, kills, mutations, records checked). Printed
 * with the test's output; with AIW_RELIABILITY_FIGURES=<file> also appended there as JSON lines.
 */
export function recordFigure(name: string, values: Record<string, number | string>): void {
  const line = JSON.stringify({ name, ...values });
  console.info(`[figures] ${line}`);
  const file = process.env.AIW_RELIABILITY_FIGURES;
  if (file) appendFileSync(file, `${line}\n`);
}
