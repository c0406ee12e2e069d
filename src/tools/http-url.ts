import { AiwError } from '../errors/errors.js';
import { renderString, type Scope, type TemplateOrigin } from '../template/render.js';
import { renderPieces } from './render-pieces.js';

// Everything up to the end of the authority: once this much text stands before an expression, the
// expression is inside the path, the query or the fragment.
const PAST_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*[/?#]/i;
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * Render an HTTP tool's URL template. An expression before the path (`{{ url }}/api/v1/query`)
 * is a base URL and goes in as it is; an expression inside the path, the query or the fragment
 * (`…/namespaces/{{ ns }}/pods`) is encoded as one segment (encodeURIComponent), so a value such as
 * `../../admin?x=` stays inside its segment. A segment that is only dots would still be resolved
 * away by every URL parser, so a value that makes one is refused.
 */
export function renderUrl(template: string, scope: Scope, origin: TemplateOrigin): URL {
  const text = template.includes('{%')
    ? String(renderString(template, scope, origin))
    : renderPieces(template, scope, origin, (value, before) => {
      const piece = value === null || value === undefined ? '' : typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
      return PAST_AUTHORITY.test(before) ? encodeURIComponent(piece) : piece;
    });
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new AiwError('VALIDATION', `${origin.what}: not a valid URL: ${text}`, { location: origin.location, cause: err });
  }
  const path = PAST_AUTHORITY.test(text) ? text.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0]! : '';
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    throw new AiwError('VALIDATION', `${origin.what}: the URL path has a '.' or '..' segment, which would change the path: ${text}`, { location: origin.location });
  }
  return url;
}
