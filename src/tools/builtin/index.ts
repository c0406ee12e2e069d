import type { BuiltinTool } from '../../model/tool.js';
import { healTools } from './heal-tools.js';

/** Built-in tools that need nothing but configuration. Memory tools are added by the session. */
export function builtinTools(): BuiltinTool[] {
  return [...healTools];
}
