import { renderString, type Scope, type TemplateOrigin } from '../template/render.js';

const EXPRESSION = /\{\{(?:(?!\{\{|\}\})[\s\S])*\}\}/g;

/**
 * Render a template expression by expression, so that each value can be made safe for where it
 * lands (a URL segment, a shell word) by `place`, which sees the text rendered so far. Templates
 * with tags (`{% … %}`) cannot be split: callers handle them before.
 */
export function renderPieces(
  template: string, scope: Scope, origin: TemplateOrigin,
  place: (value: unknown, before: string) => string,
): string {
  let text = '';
  let last = 0;
  for (const m of template.matchAll(EXPRESSION)) {
    text += template.slice(last, m.index);
    last = m.index + m[0].length;
    text += place(renderString(m[0], scope, origin), text);
  }
  return text + template.slice(last);
}
