import type { ToolCallSpec } from '../model/skill.js';

/** A heal profile maps a failure class to the quick fix that cures it (the seed's decorators). */
export type HealProfile = Record<string, ToolCallSpec>;

export const DEFAULT_PROFILES: Record<string, HealProfile> = {
  k8s: {
    auth: { tool: 'kube_login', args: { cluster: '{{ args.environment }}' } },
    network: { tool: 'vpn_connect', args: { environment: '{{ args.environment }}' } },
  },
  stage: { auth: { tool: 'kube_login', args: { cluster: 'stage' } }, network: { tool: 'vpn_connect', args: { environment: 'stage' } } },
  ephemeral: { auth: { tool: 'kube_login', args: { cluster: 'ephemeral' } }, network: { tool: 'vpn_connect' } },
  konflux: { auth: { tool: 'kube_login', args: { cluster: 'konflux' } }, network: { tool: 'vpn_connect' } },
  jira: { auth: { tool: 'jira_login' } },
  git: { network: { tool: 'vpn_connect' } },
};

export const DEFAULT_COOLDOWN_MS = 60_000;
export const DEFAULT_FIX_BUDGET = 5;
