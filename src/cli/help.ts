/** Examples for each command's --help, and wrapping of free text at the terminal's width. */

export const EXAMPLES: Record<string, Array<[command: string, what: string]>> = {
  aiw: [
    ['aiw init', 'start a project here: skills/, tools/, memory/, aiw.config.yaml and a CI workflow'],
    ['aiw run hello -i who=team', 'run a skill with an input'],
    ['aiw validate', 'check every skill, tool, config and memory file'],
    ['aiw help run', 'the options and examples of one command'],
  ],
  init: [
    ['aiw init', 'scaffold the current directory; existing files are kept'],
    ['aiw init ops && cd ops', 'scaffold a new directory'],
  ],
  run: [
    ['aiw run hello -i who=team', 'run a skill; inputs are converted to their declared types'],
    ['aiw run hello --plan', 'show the steps without running anything'],
    ['aiw run hello --json > run.json', 'one JSON document on stdout, the log on stderr'],
    ['aiw run ./skills/x.yaml --junit r.xml', 'a skill file by path, with a JUnit report'],
    ['aiw run hello --inputs-json \'{"who":"ops"}\'', 'inputs as one JSON object'],
  ],
  tool: [
    ['aiw tool echo -a message=hi', 'run one tool the way a step would, with auto-heal'],
    ['aiw tool git_log -a count=3 --json', 'print the result as JSON'],
    ['aiw tool kubectl_get_pods --no-heal', 'no quick fixes, no retries'],
  ],
  skills: [['aiw skills', 'the skills of the project, with their descriptions'], ['aiw skills --json', 'as JSON, with files and inputs']],
  tools: [['aiw tools', 'the tools of the project and the built-ins'], ['aiw tools --json', 'as JSON, with files, lines and params']],
  validate: [
    ['aiw validate', 'every skill, tool, config and memory file; exit 2 on a problem'],
    ['aiw validate skills/hello.yaml', 'only the files named'],
    ['aiw validate --json', 'the problems as JSON'],
  ],
  'known-issues': [
    ['aiw known-issues --tool deploy', 'what memory knows about a tool'],
    ['aiw known-issues --error "connection refused"', 'the failure class and fixes for an error text'],
  ],
  'learn-fix': [
    ['aiw learn-fix --tool deploy --pattern "manifest unknown" --root-cause "short SHA" --fix "use the full SHA"', 'remember a fix'],
    ['aiw learn-fix deploy "token expired" "stale token" "log in again" --remedy-tool kube_login', 'with a remedy aiw runs itself next time'],
  ],
  'debug-tool': [
    ['aiw debug-tool deploy', 'where the tool is defined and its recent failures'],
    ['aiw debug-tool deploy manifest unknown', 'with the error text you saw'],
  ],
  memory: [
    ['aiw memory', 'learned fixes, patterns and recent failures'],
    ['aiw memory stats', 'totals and the auto-fixed rate by tool, class, day and week'],
    ['aiw memory failures --limit 5 --json', 'the newest failures as JSON'],
  ],
  completion: [
    ['source <(aiw completion bash)', 'bash, for this shell (add it to ~/.bashrc to keep it)'],
    ['aiw completion zsh > "${fpath[1]}/_aiw"', 'zsh'],
    ['aiw completion fish > ~/.config/fish/completions/aiw.fish', 'fish'],
  ],
};

/** The Examples section of a command's help: commands as they are, explanations wrapped to `width`. */
export function examplesHelp(command: string, width: number): string {
  const rows = EXAMPLES[command] ?? [];
  if (!rows.length) return '';
  const lines = ['', 'Examples:'];
  for (const [cmd, what] of rows) lines.push(`  $ ${cmd}`, ...wrap(what, width, '      '));
  return `${lines.join('\n')}\n`;
}

/** Word-wrap one paragraph; every line starts with `indent`. A word longer than a line stays whole. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.trim() && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
    }
    line += line.trim() ? ` ${word}` : word;
  }
  if (line.trim()) lines.push(line);
  return lines;
}

/** Rows of `term  text` with the text wrapped under its own column (exit codes, environment). */
export function tableHelp(title: string, rows: Array<[string, string]>, width: number): string {
  const col = Math.max(...rows.map(([t]) => t.length)) + 4;
  const lines = ['', `${title}:`];
  for (const [term, text] of rows) {
    const body = wrap(text, Math.max(width, col + 20), ' '.repeat(col));
    body[0] = `  ${term.padEnd(col - 2)}${body[0]!.slice(col)}`;
    lines.push(...body);
  }
  return `${lines.join('\n')}\n`;
}
