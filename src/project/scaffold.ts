import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { shippedRoot } from './project.js';

/** One file `aiw init` writes, relative to the project directory. */
interface ScaffoldFile {
  path: string;
  text: (schema: (name: string, from: string) => string) => string;
}

const FILES: ScaffoldFile[] = [
  {
    path: 'aiw.config.yaml',
    text: (schema) => `# yaml-language-server: $schema=${schema('config', '.')}
# Site configuration of this project's aiw skills: see the README of aiw.
tools:
  # Tool files aiw ships with, loaded beside this project's tools/: basics, k8s, monitoring ("*" for all).
  include: [basics]
# environments:
#   stage:
#     namespaces: { main: my-app-stage }
#     prometheus_url: http://127.0.0.1:9090
`,
  },
  {
    path: 'tools/example.yaml',
    text: (schema) => `# yaml-language-server: $schema=${schema('tool', 'tools')}
# This project's tools. Commands are argv lists: every item is one argument, never passed through a shell.
tools:
  greet:
    description: Greet someone
    command: [echo, "Hello, {{ who }}!"]
    params:
      who: { type: string, required: true, description: Who to greet }
`,
  },
  {
    path: 'skills/example.yaml',
    text: (schema) => `# yaml-language-server: $schema=${schema('skill', 'skills')}
name: example
description: A first skill of this project - greet someone and say which host answered
version: 1
inputs:
  - { name: who, type: string, default: world, description: Who to greet }
steps:
  - name: greeting
    tool: greet                  # tools/example.yaml
    args: { who: "{{ inputs.who }}" }

  - name: host
    tool: system_info            # shipped with aiw (tools/basics.yaml), included in aiw.config.yaml
    on_error: continue

  - name: words
    compute: return greeting.trim().split(/\\s+/).length;

outputs:
  - name: report
    value: "{{ greeting | trim }} ({{ words }} words, from {{ host | trim }})"
`,
  },
  {
    path: 'memory/.gitignore',
    text: () => `# The attempt log, the lookup cache and records that could not be saved are local to a machine.
# Learned fixes (learned/tool_fixes.yaml, learned/patterns.yaml) are worth committing.
.cache/
learned/tool_failures.yaml
learned/*.unsaved*.yaml
`,
  },
  {
    path: '.github/workflows/aiw.yml',
    text: () => `# Validate the skills on every push and pull request, then run the example skill with a JUnit report.
name: aiw
on:
  push:
  pull_request:
  workflow_dispatch: {}

env:
  # Where aiw is installed from: the tarball you installed it from (commit it, e.g. under vendor/),
  # or a git URL such as git+https://example.com/you/aiw.git#v0.1.0.
  AIW_PACKAGE: ./vendor/aiw.tgz

jobs:
  aiw:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 20 }
      - name: Install aiw
        run: npm install -g "$AIW_PACKAGE"
      - name: Validate skills, tools and config
        run: aiw validate
      - name: Run the example skill
        run: aiw run example --junit reports/aiw-junit.xml
      - uses: actions/upload-artifact@v4
        if: always()
        with: { name: aiw-report, path: reports/ }
`,
  },
];

export interface ScaffoldResult {
  created: string[];
  kept: string[];
}

/**
 * Write a starter project into `dir`: a config that includes the shipped basics tools, a tool, a
 * skill that uses both, memory/ with what must not be committed, and a GitHub Actions workflow.
 * Files that exist are kept as they are. Schema modelines point into the installed package, relative
 * when the package lies inside the project (a local install), else absolute.
 */
export async function scaffoldProject(dir: string): Promise<ScaffoldResult> {
  const schemas = join(shippedRoot(), 'schemas');
  const schema = (name: string, from: string): string => {
    const file = join(schemas, `${name}.schema.json`);
    return relative(dir, file).startsWith(`node_modules${sep}`) ? relative(join(dir, from), file) : file;
  };
  const result: ScaffoldResult = { created: [], kept: [] };
  await mkdir(join(dir, 'memory', 'learned'), { recursive: true });
  for (const f of FILES) {
    const target = join(dir, f.path);
    if (existsSync(target)) {
      result.kept.push(f.path);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.text(schema), { flag: 'wx' });
    result.created.push(f.path);
  }
  return result;
}
