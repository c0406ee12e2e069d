/** The shape of a skill after loading: plain data plus where each step came from. */
export type InputType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
export type OnError = 'fail' | 'continue' | 'auto_heal';
export type StepType = 'tool' | 'compute' | 'skill' | 'then' | 'description';

export interface InputSpec {
  name: string;
  type?: InputType;
  required?: boolean;
  default?: unknown;
  enum?: unknown[];
  description?: string;
  /** Masked everywhere (see secrets/redact.ts); inputs named like secrets are masked without it. */
  secret?: boolean;
}

export interface ToolCallSpec {
  tool: string;
  args?: Record<string, unknown>;
}

export interface RetrySpec {
  max_attempts?: number;
  delay?: number | string;
  backoff?: number;
  max_delay?: number | string;
  jitter?: boolean;
  on?: string[];
}

export interface Step {
  name: string;
  type: StepType;
  description?: string;
  condition?: string | boolean;
  tool?: string;
  args?: Record<string, unknown>;
  compute?: string;
  skill?: string;
  inputs?: Record<string, unknown>;
  then?: Array<Step | ReturnItem>;
  output?: string;
  on_error?: OnError;
  detect_failure?: Record<string, string[]>;
  failed_when?: string[];
  quick_fix?: Record<string, ToolCallSpec>;
  retry?: RetrySpec;
  timeout?: number | string;
  /** false: no heal even when the tool declares a profile; a profile name: heal with that profile. */
  auto_heal?: boolean | string;
  /** 1-based line of the step's mapping in its file, and of its compute code. */
  line: number;
  computeLine?: number;
}

export interface ReturnItem {
  return: unknown;
  line: number;
}

export interface OutputSpec {
  name: string;
  value?: unknown;
  compute?: string;
  description?: string;
  line: number;
  computeLine?: number;
}

export interface Skill {
  name: string;
  description?: string;
  version?: string | number;
  inputs: InputSpec[];
  defaults: Record<string, unknown>;
  steps: Step[];
  outputs: OutputSpec[];
  computeTimeout?: number | string;
  /** `python`: Python compute and Jinja2 templates (the original project's); unset: the project's default. */
  dialect?: 'javascript' | 'python';
  file: string;
}

export function isReturnItem(item: Step | ReturnItem): item is ReturnItem {
  return Object.prototype.hasOwnProperty.call(item, 'return') && !('type' in item);
}
