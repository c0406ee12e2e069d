import { parseDuration } from '../../source/duration.js';
import { failureResult, type BuiltinTool, type ToolResult, type ToolRunContext } from '../../model/tool.js';
import { runProcess } from '../run-process.js';
import { builtinSource } from './source.js';

type CommandSpec = string[] | { command: string[]; env?: Record<string, string>; timeout?: number | string };

/**
 * The quick-fix tools the default heal profiles name. What they run is site-specific (an `oc login`
 * wrapper, an `nmcli con up`, a token refresh script), so the command comes from aiw.config.yaml:
 * `environments.<cluster>.<tool>` first, then `heal_commands.<tool>`. Without one the tool fails
 * with a message saying exactly what to configure: a fix that does nothing must never look like a
 * fix that worked.
 */
function healTool(name: string, description: string, perEnvironment: boolean): BuiltinTool {
  return {
    kind: 'builtin',
    name,
    description,
    params: perEnvironment
      ? { cluster: { type: 'string', description: 'environment or cluster name from aiw.config.yaml environments' } }
      : { environment: { type: 'string', description: 'environment whose settings to use, if they differ' } },
    location: builtinSource('heal-tools.ts'),
    run: (args, ctx) => runConfigured(name, (args.cluster ?? args.environment) as string | null, ctx),
  };
}

async function runConfigured(name: string, envName: string | null, ctx: ToolRunContext): Promise<ToolResult> {
  const environments = (ctx.config.environments ?? {}) as Record<string, Record<string, unknown>>;
  const env = envName ? environments[resolveAlias(environments, envName)] : undefined;
  const spec = (env?.[name] ?? (ctx.config.heal_commands as Record<string, unknown> | undefined)?.[name]) as CommandSpec | undefined;
  if (!spec) {
    const where = envName ? `environments.${envName}.${name} or heal_commands.${name}` : `heal_commands.${name}`;
    return failureResult(`${name} is not configured: set ${where} in aiw.config.yaml to the command that ${name === 'vpn_connect' ? 'connects the VPN' : 'logs in'}`);
  }
  const command = Array.isArray(spec) ? spec : spec.command;
  const extraEnv = Array.isArray(spec) ? {} : spec.env ?? {};
  const timeoutMs = parseDuration(Array.isArray(spec) ? undefined : spec.timeout, `${name} timeout`, 120_000);
  return runProcess(command, { env: { ...ctx.env, ...extraEnv, AIW_HEAL_TARGET: envName ?? '' }, timeoutMs, signal: ctx.signal });
}

function resolveAlias(environments: Record<string, Record<string, unknown>>, name: string): string {
  const alias = environments[name]?.alias_of;
  if (typeof alias === 'string') return alias;
  if (name === 'prod' && !environments.prod && environments.production) return 'production';
  return name;
}

export const healTools: BuiltinTool[] = [
  healTool('kube_login', 'Log in to a Kubernetes/OpenShift cluster (site command from aiw.config.yaml)', true),
  healTool('vpn_connect', 'Connect the VPN (site command from aiw.config.yaml)', false),
  healTool('jira_login', 'Refresh the Jira login (site command from aiw.config.yaml)', false),
];
