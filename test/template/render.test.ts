import { describe, expect, it } from 'vitest';
import { freeNames } from '../../src/template/free-names.js';
import { evaluateCondition, renderString, renderValue, singleExpression } from '../../src/template/render.js';

const origin = { what: "step 'x' args", location: { file: 'skills/s.yaml', line: 7 } };

describe('templates', () => {
  it('keeps the native type of a string that is exactly one expression', () => {
    const scope = { n: 3, list: [1, 2], obj: { a: 1 }, flag: false };
    expect(renderString('{{ n }}', scope, origin)).toBe(3);
    expect(renderString(' {{ list }} ', scope, origin)).toEqual([1, 2]);
    expect(renderString('{{ obj }}', scope, origin)).toEqual({ a: 1 });
    expect(renderString('{{ flag }}', scope, origin)).toBe(false);
    expect(renderString('{{ n + 1 }}', scope, origin)).toBe(4);
  });

  it('renders mixed text as a string', () => {
    expect(renderString('n={{ n }}, {{ m }}', { n: 3, m: 'x' }, origin)).toBe('n=3, x');
  });

  it('tells a single expression from two', () => {
    expect(singleExpression('{{ a }}')).toBe('a');
    expect(singleExpression('{{ a }} {{ b }}')).toBeUndefined();
    expect(singleExpression('x {{ a }}')).toBeUndefined();
  });

  it('does not escape HTML: & < > and quotes stay as they are', () => {
    expect(renderString('{{ q }}&x', { q: 'a=1&b=<2>"\'' }, origin)).toBe('a=1&b=<2>"\'&x');
  });

  it('errors on an undefined name, naming where it came from', () => {
    expect(() => renderString('cd {{ resolved_repo.path }}', {}, origin)).toThrowError(/step 'x' args: .*resolved_repo/);
    expect(() => renderString('{{ missing }}', {}, origin)).toThrowError(/'missing' is undefined/);
    try {
      renderString('{{ missing }}', {}, origin);
    } catch (err) {
      expect((err as { location: unknown }).location).toEqual({ file: 'skills/s.yaml', line: 7 });
      expect((err as { code: string }).code).toBe('TEMPLATE');
    }
  });

  it('renders null as empty but still errors on undefined', () => {
    expect(renderString('[{{ v }}]', { v: null }, origin)).toBe('[]');
    expect(() => renderString('[{{ v.x }}]', { v: {} }, origin)).toThrowError(/undefined/);
  });

  it('never compiles values from the scope: tool output with template syntax stays verbatim', () => {
    const output = '{{ 7*7 }} {% raw %}x{% endraw %} {{ secret }}';
    expect(renderString('{{ out }}', { out: output, secret: 'S' }, origin)).toBe(output);
    expect(renderString('got: {{ out }}', { out: output, secret: 'S' }, origin)).toBe(`got: ${output}`);
    expect(renderValue({ a: ['{{ out }}'] }, { out: output }, origin)).toEqual({ a: [output] });
  });

  it('evaluates conditions: undefined, empty, false, 0 and "false" are false', () => {
    const scope = { yes: true, items: [1], empty: [], zero: 0, word: 'false', text: 'x' };
    expect(evaluateCondition('yes', scope, origin)).toBe(true);
    expect(evaluateCondition('items | length > 0', scope, origin)).toBe(true);
    expect(evaluateCondition('nothing_here', scope, origin)).toBe(false);
    expect(evaluateCondition('nothing.deeper', scope, origin)).toBe(false);
    expect(evaluateCondition('empty', scope, origin)).toBe(false);
    expect(evaluateCondition('zero', scope, origin)).toBe(false);
    expect(evaluateCondition('{{ word }}', scope, origin)).toBe(false);
    expect(evaluateCondition('{{ text }}', scope, origin)).toBe(true);
    expect(evaluateCondition(false, scope, origin)).toBe(false);
  });

  it('supports Jinja idioms: filters, inline if, loops, tojson', () => {
    const scope = { xs: [{ n: 'a' }, { n: 'b' }], c: null };
    expect(renderString("{{ xs | map(attribute='n') | join(',') }}", scope, origin)).toBe('a,b');
    expect(renderString("{{ '--context=' ~ c if c }}", scope, origin)).toBe('');
    expect(renderString('{% for x in xs %}{{ x.n }}{% endfor %}', scope, origin)).toBe('ab');
    expect(renderString('{{ xs | tojson }}', scope, origin)).toBe('[{"n":"a"},{"n":"b"}]');
  });

  it('lists the free names of a template, ignoring names it binds itself', () => {
    const names = freeNames('{% for p in pods %}{{ p.name }} {{ ns }}{% endfor %}{% set x = 1 %}{{ x | default(y) }}').map((n) => n.name);
    expect(names.sort()).toEqual(['ns', 'pods', 'y']);
  });
});

describe('simple templates (rendered without nunjucks)', () => {
  it('give the same results as nunjucks for text and dotted lookups', () => {
    const scope = { a: { b: [1, 2], n: null, t: true, o: { x: 1 } }, s: 'x&y' };
    expect(renderString('v={{ a.b }} n={{ a.n }} t={{ a.t }} o={{ a.o }} s={{ s }}', scope, origin)).toBe('v=1,2 n= t=true o=[object Object] s=x&y');
    expect(renderString('{{a.o}}', scope, origin)).toEqual({ x: 1 });
  });

  it('leave errors and inherited names to nunjucks', () => {
    expect(() => renderString('{{ a.missing }}', { a: {} }, origin)).toThrowError(/undefined/);
    expect(() => renderString('x {{ a.constructor }}', { a: {} }, origin)).toThrowError(/undefined/);
    expect(renderString('{{ s.length }}', { s: 'abc' }, origin)).toBe(3);
  });
});
