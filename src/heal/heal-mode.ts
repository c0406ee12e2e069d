import type { OnError } from '../model/skill.js';

/** What a call says about healing: the step's `on_error` and its `auto_heal` (absent, false or a profile). */
export interface HealSwitch {
  onError: OnError;
  autoHeal?: boolean | string;
}

/**
 * Whether a call heals, and with which profile. A tool that declares a profile (`auto_heal: k8s`)
 * heals on every call, whatever the step's `on_error`, as the Python project's `@auto_heal`
 * decorators did: `on_error` only decides what happens after the last attempt failed. A step opts
 * out with `auto_heal: false` (and `aiw tool --no-heal`), or names another profile with
 * `auto_heal: <profile>`. `on_error: auto_heal` heals even a tool without a profile, through the
 * step's own `quick_fix` entries.
 */
export function healMode(call: HealSwitch, toolProfile: string | undefined): { heals: boolean; profile: string | undefined } {
  if (call.autoHeal === false) return { heals: false, profile: undefined };
  if (typeof call.autoHeal === 'string') return { heals: true, profile: call.autoHeal };
  return { heals: call.onError === 'auto_heal' || toolProfile !== undefined, profile: toolProfile };
}
