import { newRunId, type EngineContext } from '../engine/run-skill.js';
import type { EventSink } from '../model/events.js';
import { openProject, type Project } from '../project/project.js';
import { skillLoader } from '../skill/skill-loader.js';
import { ValidationError } from '../errors/errors.js';
import type { Learning } from '../model/learning.js';
import { Healer } from '../heal/healer.js';
import type { Clock } from '../heal/retry-policy.js';
import type { LearningOptions } from '../learn/learning-store.js';
import { memoryTools } from '../learn/memory-tools.js';
import { addSecretsFromEnv } from '../secrets/redact.js';
import { join } from 'node:path';
import { builtinTools } from '../tools/builtin/index.js';
import { ToolRegistry } from '../tools/registry.js';

/** The part of the outside world a session needs: the CLI and the MCP server each pass their own. */
export interface SessionIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where memory warnings go (stderr for the CLI; a log for the MCP server, whose stdout is the protocol). */
  stderr: { write(text: string): void };
}

export interface GlobalOptions {
  root?: string;
  memoryDir?: string;
  debug?: boolean;
}

export interface Session {
  project: Project;
  registry: ToolRegistry;
  learning?: Learning;
  runId: string;
  /** Stop what the run started (MCP servers); call at the end of a run and after an interrupt. */
  close(): Promise<void>;
}

/** Open the project and its tools; tool files that do not load are a validation error (exit 2). */
export async function openSession(opts: GlobalOptions & { refreshMcp?: boolean }, io: SessionIo): Promise<Session> {
  addSecretsFromEnv(io.env);
  const project = await openProject({ root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env });
  // The memory tools look tools up (debug_tool, a remedy's tool) in the registry that holds them.
  const memory = memoryTools({ memoryDir: project.memoryDir, registry: () => registry, config: project.config, configFile: project.configFile });
  const registry: ToolRegistry = await ToolRegistry.load(project.toolsDir, [...builtinTools(), ...memory], {
    cacheDir: join(project.memoryDir, '.cache'), env: io.env, config: project.config, refresh: opts.refreshMcp,
  });
  if (registry.problems.length) {
    await registry.close();
    throw new ValidationError(registry.problems);
  }
  // Memory problems never stop a run, and are never silent: each is printed once as it happens.
  const learning = lazyLearning(project.memoryDir, { onWarning: (w) => io.stderr.write(`aiw: warning: ${w}\n`) });
  return { project, registry, learning, runId: newRunId(), close: () => registry.close() };
}

/** The engine context for one run, with the heal state that the run's steps share. */
export function engineContext(session: Session, io: SessionIo, emit: EventSink, signal: AbortSignal, clock?: Clock): EngineContext {
  const healer = new Healer({
    registry: session.registry, config: session.project.config, env: io.env, runId: session.runId, emit, signal, clock,
    learning: session.learning,
  });
  return {
    registry: session.registry, loadSkill: skillLoader(session.project), config: session.project.config, env: io.env, emit,
    healer, runId: session.runId, signal,
  };
}

/**
 * The memory store, loaded on first use: a run whose tools all succeed never needs it, and its
 * modules (YAML stores, lookup cache, hashing) are a good part of what a start-up would load.
 */
function lazyLearning(memoryDir: string, options: LearningOptions): Learning {
  let store: Promise<Learning> | undefined;
  const get = () => (store ??= import('../learn/learning-store.js').then((m) => m.openLearning(memoryDir, options)));
  return {
    recordAttempt: async (record) => (await get()).recordAttempt(record),
    knownIssues: async (tool, text) => (await get()).knownIssues(tool, text),
    findRemedy: async (tool, text) => (await get()).findRemedy(tool, text),
    markPrevented: async (remedy) => (await get()).markPrevented(remedy),
  };
}
