import { afterEach, describe, expect, it } from 'vitest';
import { evaluateCondition, renderString } from '../../src/template/render.js';
import { readAttribute } from '../../src/template/safe-attribute.js';

const origin = { what: "step 'x' args", location: { file: 'skills/s.yaml', line: 7 } };
const g = globalThis as Record<string, unknown>;
// What each attack would run if it reached the host's Function: it leaves a mark on the host.
const PAYLOAD = "'globalThis.__aiw_pwned = 1; return 1'";

/** Run a template that should not be able to call code; true when nothing ran. */
function held(template: string, scope: Record<string, unknown> = {}): boolean {
  try {
    renderString(template, scope, origin);
  } catch {
    // An error is a fine outcome: undefined is not a function, or an undefined value.
  }
  try {
    evaluateCondition(template.replace(/^\{\{|\}\}$/g, ''), scope, origin);
  } catch {
    // Same for the condition form.
  }
  return g.__aiw_pwned === undefined;
}

afterEach(() => {
  delete g.__aiw_pwned;
});

describe('template filters: attribute paths cannot reach the host', () => {
  const attacks: Array<[string, string]> = [
    ['map(attribute=)', `{{ ([1] | map(attribute='constructor.constructor') | first)(${PAYLOAD})() }}`],
    ['map(attribute=) through __proto__', `{{ ([{}] | map(attribute='__proto__.constructor.constructor') | first)(${PAYLOAD})() }}`],
    ['map(attribute=) with a default', `{{ ([1] | map(attribute='constructor.constructor', default=1) | first)(${PAYLOAD})() }}`],
    ['groupby', `{{ (([1] | groupby('constructor.constructor') | list | first)[0])(${PAYLOAD})() }}`],
    ['sort(attribute=)', `{{ ([1, 2] | sort(attribute='constructor.constructor') | first)(${PAYLOAD})() }}`],
    ['sum(attribute=)', `{{ ([1] | sum(attribute='constructor.constructor'))(${PAYLOAD})() }}`],
    ['sum(attribute) positional', `{{ ([1] | sum('constructor.constructor'))(${PAYLOAD})() }}`],
    ['join(attribute=)', `{{ ([1] | join(',', 'constructor.constructor'))(${PAYLOAD})() }}`],
    ['selectattr', `{{ ([1] | selectattr('constructor.constructor') | first).constructor.constructor(${PAYLOAD})() }}`],
    ['rejectattr', `{{ ([1] | rejectattr('constructor.constructor') | first).constructor.constructor(${PAYLOAD})() }}`],
  ];
  for (const [filter, template] of attacks) {
    it(`${filter} runs no code, as a template and as a condition`, () => {
      expect(held(template)).toBe(true);
    });
  }

  it('map(attribute=) of a blocked or inherited name gives undefined, not the function', () => {
    expect(renderString("{{ [1, 'a'] | map(attribute='constructor') | list }}", {}, origin)).toEqual([undefined, undefined]);
    expect(renderString("{{ [[1]] | map(attribute='map') | list }}", {}, origin)).toEqual([undefined]);
    // Before, join and sum printed the host's function source: `function Number() { [native code] }`.
    expect(renderString("{{ [1] | join(',', 'constructor') }}", {}, origin)).toBe('');
    expect(String(renderString("{{ [1] | sum('constructor') }}", {}, origin))).not.toMatch(/function/);
  });

  it('each filter still reads data along own properties, dotted paths included', () => {
    const scope = { pods: [{ m: { name: 'b', ok: true, n: 2 } }, { m: { name: 'a', ok: false, n: 3 } }] };
    expect(renderString("{{ pods | map(attribute='m.name') | join(',') }}", scope, origin)).toBe('b,a');
    expect(renderString("{{ pods | selectattr('m.ok') | map(attribute='m.name') | list }}", scope, origin)).toEqual(['b']);
    expect(renderString("{{ pods | rejectattr('m.ok') | map(attribute='m.name') | list }}", scope, origin)).toEqual(['a']);
    expect(renderString("{{ pods | sort(attribute='m.name') | map(attribute='m.n') | list }}", scope, origin)).toEqual([3, 2]);
    expect(renderString("{{ pods | sum(attribute='m.n') }}", scope, origin)).toBe(5);
    expect(renderString("{{ pods | sum('m.n', 10) }}", scope, origin)).toBe(15);
    expect(renderString("{{ pods | join('/', 'm.name') }}", scope, origin)).toBe('b/a');
    expect(renderString("{% for k, g in pods | groupby('m.ok') %}{{ k }}={{ g | length }};{% endfor %}", scope, origin)).toBe('true=1;false=1;');
    expect(renderString("{{ ['x', 'yz'] | map(attribute='length') | list }}", {}, origin)).toEqual([1, 2]);
  });
});

describe('readAttribute: the one check', () => {
  it('follows own properties only and refuses blocked names even when they are own data', () => {
    expect(readAttribute({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(readAttribute([5, 6], 1)).toBe(6);
    expect(readAttribute({}, 'toString')).toBeUndefined();
    expect(readAttribute({ constructor: 'data' }, 'constructor')).toBeUndefined();
    expect(readAttribute(JSON.parse('{"__proto__": {"x": 1}}'), '__proto__.x')).toBeUndefined();
    expect(readAttribute({ f: () => 1 }, 'f')).toBeUndefined();
    expect(readAttribute(null, 'a')).toBeUndefined();
  });
});
