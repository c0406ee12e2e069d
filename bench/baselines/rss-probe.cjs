// Fallback for peak memory when /usr/bin/time is missing: loaded with `node --require`, it writes the
// process's own peak RSS (KiB) to the file named by AIW_BENCH_RSS_OUT when the process exits.
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  if (process.env.AIW_BENCH_RSS_OUT) writeFileSync(process.env.AIW_BENCH_RSS_OUT, String(process.resourceUsage().maxRSS));
});
