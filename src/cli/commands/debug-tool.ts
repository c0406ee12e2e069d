import { EXIT } from '../../errors/errors.js';
import { buildDebugReport } from '../../learn/debug-report.js';
import { formatDebugReport } from '../../learn/debug-text.js';
import { redactValue } from '../../secrets/redact.js';
import type { Io } from '../io.js';
import { openSession, type GlobalOptions } from '../../session/session.js';

export interface DebugToolOptions extends GlobalOptions {
  json?: boolean;
}

/**
 * `aiw debug-tool <tool> [error]`: where the tool is defined, how it failed lately, what memory
 * knows, what to do, and the learn-fix command to save the fix. An unknown tool is a usage error
 * naming the closest tools (from the registry).
 */
export async function debugToolCommand(toolName: string, errorText: string, opts: DebugToolOptions, io: Io): Promise<number> {
  const session = await openSession(opts, io);
  try {
    // Only the tool list is needed: MCP servers started to read it are stopped at once.
    await session.registry.close();
    const tool = session.registry.get(toolName);
    const report = redactValue(await buildDebugReport({
      tool, errorText, memoryDir: session.project.memoryDir, store: await session.memory(), config: session.project.config, configFile: session.project.configFile,
    }));
    io.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatDebugReport(report));
    return EXIT.ok;
  } finally {
    // And the memory store once read (a database's connections).
    await session.close();
  }
}
