import { newRunId, type EngineContext } from '../engine/run-skill.js';
import type { EventSink } from '../model/events.js';
import { openProject, type Project } from '../project/project.js';
import { skillLoader } from '../skill/skill-loader.js';
import type { Skill } from '../model/skill.js';
import { ValidationError } from '../errors/errors.js';
import type { Learning } from '../model/learning.js';
import { Healer } from '../heal/healer.js';
import type { Clock } from '../heal/retry-policy.js';
import type { LearningOptions } from '../learn/learning-store.js';
import { memoryTools } from '../learn/memory-tools.js';
import { addSecrets, addSecretsFromEnv } from '../secrets/redact.js';
import type { RemedyTrust } from '../heal/remedy-trust.js';
import { errorMessage } from '../errors/errors.js';
import { backendOf } from '../memory/backend-choice.js';
import type { MemoryStore } from '../memory/store.js';
import { join } from 'node:path';
import { builtinTools } from '../tools/builtin/index.js';
import { ToolRegistry } from '../tools/registry.js';
import type { StopSignal } from '../model/stop-signal.js';

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
  /** The project's memory store, opened on first use (files or PostgreSQL, per config). */
  memory: MemoryOpener;
  runId: string;
  /** Skills by name, each loaded once for the session (the run and its checks share them). */
  loadSkill(name: string): Promise<Skill>;
  /** Stop what the run started (MCP servers, a memory database's connections); call at the end of a run and after an interrupt. */
  close(): Promise<void>;
  /** The person's trust of learned remedies, read from outside the repository on first need. */
  trust: () => Promise<RemedyTrust | undefined>;
}

/** Open the project and its tools; tool files that do not load are a validation error (exit 2). */
export async function openSession(opts: GlobalOptions & { refreshMcp?: boolean }, io: SessionIo): Promise<Session> {
  addSecretsFromEnv(io.env);
  const project = await openProject({ root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env });
  const memory = memoryStoreOf(project, io);
  // The memory tools look tools up (debug_tool, a remedy's tool) in the registry that holds them.
  const tools = memoryTools({ memoryDir: project.memoryDir, store: memory, registry: () => registry, config: project.config, configFile: project.configFile });
  const registry: ToolRegistry = await ToolRegistry.load(project.toolsDir, [...builtinTools(), ...tools], project.includedToolFiles, {
    cacheDir: join(project.memoryDir, '.cache'), env: io.env, config: project.config, refresh: opts.refreshMcp,
  });
  if (registry.problems.length) {
    await registry.close();
    throw new ValidationError(registry.problems);
  }
  // Memory problems never stop a run, and are never silent: each is printed once as it happens.
  const learning = lazyLearning(project.memoryDir, { onWarning: (w) => io.stderr.write(`aiw: warning: ${w}\n`), store: memory });
  registerHttpTokens(registry, io.env);
  return {
    project, registry, learning, memory, runId: newRunId(), loadSkill: skillLoader(project, io.cwd),
    close: async () => {
      try {
        await registry.close();
      } finally {
        await memory.close();
      }
    },
    trust: lazyTrust(io, project.root),
  };
}

/**
 * The memory store of a project, opened once on first use. The backend is checked now (a
 * PostgreSQL choice without a URL is a config error, exit 2, and the URL is masked from here on);
 * the store's modules load only when memory is first needed.
 */
export function memoryStoreOf(project: Project, io: SessionIo): MemoryOpener {
  backendOf(project.config, io.env);
  let store: Promise<MemoryStore> | undefined;
  const open = () => (store ??= import('../memory/open-store.js').then((m) => m.openMemoryStore({
    memoryDir: project.memoryDir, config: project.config, env: io.env, onNotice: (n) => io.stderr.write(`aiw: note: ${n}\n`),
  })));
  // A PostgreSQL pool left open keeps its idle sockets until they time out, and a CLI process then
  // ends the slow way, tearing its whole heap down (~3 ms) instead of exiting when its work is done.
  const close = async () => {
    const opened = store;
    store = undefined;
    await (await opened?.catch(() => undefined))?.close();
  };
  return Object.assign(open, { close });
}

/** Opens the memory store on first call (the same one after), and closes it if it was opened. */
export type MemoryOpener = (() => Promise<MemoryStore>) & { close(): Promise<void> };

/** The engine context for one run, with the heal state that the run's steps share. */
export function engineContext(session: Session, io: SessionIo, emit: EventSink, signal: StopSignal, clock?: Clock, verbose = false): EngineContext {
  const healer = new Healer({
    registry: session.registry, config: session.project.config, env: io.env, runId: session.runId, emit, signal, clock,
    learning: session.learning, verbose, trust: session.trust,
  });
  return {
    registry: session.registry, loadSkill: session.loadSkill, config: session.project.config, env: io.env, emit,
    healer, runId: session.runId, signal, root: session.project.root,
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

/** The value of every HTTP tool's `bearer_token_env` is a secret, whatever the variable is called. */
function registerHttpTokens(registry: ToolRegistry, env: NodeJS.ProcessEnv): void {
  for (const name of registry.names()) {
    const tool = registry.get(name);
    const variable = tool.kind === 'http' ? tool.http.bearer_token_env : undefined;
    if (variable && env[variable]) addSecrets([env[variable]]);
  }
}

/** Read once per session; an unreadable trust file means nothing is trusted, and says so. */
function lazyTrust(io: SessionIo, root: string): () => Promise<RemedyTrust | undefined> {
  let trust: Promise<RemedyTrust | undefined> | undefined;
  return () => (trust ??= import('../heal/remedy-trust.js').then((m) => m.readRemedyTrust(io.env, root)).catch((err: unknown) => {
    io.stderr.write(`aiw: warning: ${errorMessage(err)}; no learned remedy runs until it is fixed\n`);
    return undefined;
  }));
}
