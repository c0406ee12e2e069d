// Baseline for the per-tool-step figure: the floor for any Node engine. Spawns /bin/true N times,
// one after another, with the same argument shape as the benchmark skill (`step-1-<i>`), capturing
// stdout and stderr through pipes as an engine must, and waits for each to close.
import { spawn } from 'node:child_process';

const count = Number(process.argv[2] ?? 1);

function once(i) {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/true', [`step-1-${i}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`/bin/true exited ${code}`))));
  });
}

for (let i = 0; i < count; i++) await once(i);
