// Formatting of the benchmark's results: the Markdown tables printed and kept in docs/performance.md.

export function formatValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (unit === 'KiB') return `${(value / 1024).toFixed(1)} MB`;
  if (unit === 'ms/step') return `${value < 1 ? value.toFixed(3) : value.toFixed(2)} ms`;
  return `${value.toFixed(1)} ms`;
}

function formatRatio(f) {
  if (f.ratio === null || f.ratio === undefined) return 'n/a';
  const interval = f.ratio_interval ? ` (${f.ratio_interval[0].toFixed(2)}–${f.ratio_interval[1].toFixed(2)})` : '';
  return `${f.ratio.toFixed(2)}×${interval}`;
}

function met(f) {
  if (f.skipped) return 'skipped';
  if (f.target === null || f.target === undefined) return 'info';
  if (f.met === null) return '- (quick)';
  const verdict = f.met ? 'yes' : '**no**';
  return f.edge ? `${verdict}, at the edge` : verdict;
}

/**
 * One Markdown table: figure | aiw | baseline | ratio (95 % interval of the median) | target | met?
 * "At the edge": the target lies within the interval, so the verdict may flip from run to run.
 */
export function table(figures) {
  const rows = [
    '| figure | aiw | baseline | ratio (95 % interval) | target | met? |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    if (f.skipped) {
      rows.push(`| ${f.title} | n/a | ${f.baseline} | n/a | ${f.targetText ?? 'report'} | skipped: ${f.skipped} |`);
      continue;
    }
    const aiw = f.aLabel ? `${formatValue(f.a_median, f.unit)} (${f.aLabel})` : formatValue(f.a_median, f.unit);
    const base = `${formatValue(f.b_median, f.unit)} (${f.baseline})`;
    const target = f.targetText ?? (f.target === null || f.target === undefined ? '-' : `≤ ${f.target}×`);
    rows.push(`| ${f.title} | ${aiw} | ${base} | ${formatRatio(f)} | ${target} | ${met(f)} |`);
  }
  return rows.join('\n');
}
