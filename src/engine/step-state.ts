/**
 * `steps.<name>` of a compute step that succeeded, as run-skill.ts records it, in JSON. A compute
 * process or Python worker that runs several blocks of one request sets this itself after each
 * block (see ComputeSandbox.ahead); the dialect knows the engine's own record by it and sends nothing.
 */
export const BATCHED_STEP_STATE = JSON.stringify({ status: 'success', error: null, attempts: 1, failure_class: null, heals: [], known_issues: [] });
