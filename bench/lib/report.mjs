// Formatting of the benchmark's results: the Markdown tables printed and kept in docs/performance.md.

export function formatValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (unit === 'KiB') return `${(value / 1024).toFixed(1)} MB`;
  if (unit === 'ms/step') return `${value < 1 ? value.toFixed(3) : value.toFixed(2)} ms`;
  return `${value.toFixed(1)} ms`;
}

function formatRatio(f) {
  if (f.ratio === null || f.ratio === undefined) return 'n/a';
  return `${f.ratio.toFixed(2)}×`;
}

function met(f) {
  if (f.skipped) return 'skipped';
  if (f.target === null || f.target === undefined) return 'info';
  if (f.met === null) return '- (quick)';
  return f.met ? 'yes' : '**no**';
}

/** One Markdown table: figure | aiw | baseline | ratio | target | met? */
export function table(figures) {
  const rows = [
    '| figure | aiw | baseline | ratio | target | met? |',
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
