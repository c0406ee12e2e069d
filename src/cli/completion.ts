import type { Command, Option } from 'commander';

/**
 * Shell completion scripts, generated from the commander program itself so that they never drift
 * from the real commands and options. Skill and tool names are asked of aiw when a person presses
 * Tab (`aiw skills --names`), so they follow the project of the working directory.
 */
export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: Shell[] = ['bash', 'zsh', 'fish'];

interface CommandInfo {
  name: string;
  description: string;
  options: Option[];
  /** What the first positional argument completes to. */
  positional: 'skills' | 'tools' | 'files' | 'commands' | string[];
}

const POSITIONAL: Record<string, CommandInfo['positional']> = {
  run: 'skills', tool: 'tools', 'debug-tool': 'tools', help: 'commands', validate: 'files', init: 'files',
};

function describeCommands(program: Command): CommandInfo[] {
  return program.commands.map((c) => ({
    name: c.name(),
    description: c.description(),
    options: c.options as Option[],
    positional: POSITIONAL[c.name()] ?? (c.registeredArguments[0]?.argChoices ?? 'files'),
  }));
}

const flags = (options: readonly Option[]): string[] => options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const VALUE_OF: Record<string, string> = { '--root': 'dirs', '--memory-dir': 'dirs', '--junit': 'files', '--tool': 'tools', '--remedy-tool': 'tools' };

export function completionScript(shell: Shell, program: Command): string {
  const commands = describeCommands(program);
  const globals = flags(program.options as Option[]);
  if (shell === 'bash') return bashScript(commands, globals);
  if (shell === 'zsh') return zshScript(commands, globals);
  return fishScript(commands, program.options as Option[]);
}

function positionalWords(p: CommandInfo['positional'], names: string): string {
  if (Array.isArray(p)) return `compgen -W ${quote(p.join(' '))}`;
  if (p === 'commands') return `compgen -W "$_aiw_commands"`;
  if (p === 'files') return 'compgen -f';
  return `compgen -W "$(${names} ${p})"`;
}

function bashScript(commands: CommandInfo[], globals: string[]): string {
  const optionCases = commands.map((c) => `    ${c.name}) opts=${quote(flags(c.options).join(' '))} ;;`).join('\n');
  const argCases = commands.map((c) => `    ${c.name}) COMPREPLY=( $(${positionalWords(c.positional, 'aiw --names-of')} -- "$cur") ) ;;`).join('\n');
  return `# aiw completion for bash. Load it with: source <(aiw completion bash)
_aiw_commands=${quote(commands.map((c) => c.name).join(' '))}
_aiw_names() { command aiw "$1" --names 2>/dev/null; }
_aiw() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" i opts
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --root|--memory-dir) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
${Object.entries(VALUE_OF).map(([flag, kind]) => `    ${flag}) COMPREPLY=( $(${kind === 'dirs' ? 'compgen -d' : kind === 'files' ? 'compgen -f' : `compgen -W "$(_aiw_names ${kind})"`} -- "$cur") ); return ;;`).join('\n')}
  esac
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W ${quote(globals.join(' '))} -- "$cur") )
    else COMPREPLY=( $(compgen -W "$_aiw_commands" -- "$cur") ); fi
    return
  fi
  case "$cmd" in
${optionCases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts ${globals.join(' ')}" -- "$cur") ); return; fi
  case "$cmd" in
${argCases.replace(/aiw --names-of/g, '_aiw_names')}
  esac
}
complete -o default -F _aiw aiw
`;
}

function zshScript(commands: CommandInfo[], globals: string[]): string {
  const described = commands.map((c) => `    ${quote(`${c.name}:${c.description.replace(/:/g, '\\:')}`)}`).join('\n');
  const optionCases = commands.map((c) => `    ${c.name}) opts=(${flags(c.options).join(' ')}) ;;`).join('\n');
  const argCases = commands.map((c) => {
    const p = c.positional;
    const what = Array.isArray(p) ? `compadd -- ${p.join(' ')}` : p === 'commands' ? `compadd -- ${commands.map((x) => x.name).join(' ')}`
      : p === 'files' ? '_files' : `compadd -- \${(f)"$(_aiw_names ${p})"}`;
    return `    ${c.name}) ${what} ;;`;
  }).join('\n');
  return `#compdef aiw
# aiw completion for zsh: aiw completion zsh > "\${fpath[1]}/_aiw" (or source it after compinit)
_aiw_names() { command aiw "$1" --names 2>/dev/null }
_aiw() {
  local -a commands opts
  commands=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'aiw command' commands
    return
  fi
  local cmd=\${words[2]}
  if [[ \${words[CURRENT]} == -* ]]; then
    case $cmd in
${optionCases}
    esac
    compadd -- $opts ${globals.join(' ')}
    return
  fi
  case $cmd in
${argCases}
  esac
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then _aiw "$@"; else compdef _aiw aiw; fi
`;
}

function fishScript(commands: CommandInfo[], globalOptions: Option[]): string {
  const lines = ['# aiw completion for fish: aiw completion fish > ~/.config/fish/completions/aiw.fish', 'complete -c aiw -f'];
  const option = (o: Option, condition: string) => {
    const parts = ['complete -c aiw'];
    if (condition) parts.push(`-n ${quote(condition)}`);
    if (o.long) parts.push(`-l ${o.long.slice(2)}`);
    if (o.short) parts.push(`-s ${o.short.slice(1)}`);
    if (o.required || o.optional) parts.push('-r');
    const kind = o.long ? VALUE_OF[o.long] : undefined;
    if (kind === 'tools') parts.push(`-a ${quote('(aiw tools --names 2>/dev/null)')}`);
    else if (kind) parts.push('-F');
    if (o.description) parts.push(`-d ${quote(o.description)}`);
    return parts.join(' ');
  };
  for (const o of globalOptions) lines.push(option(o, ''));
  for (const c of commands) {
    lines.push(`complete -c aiw -n __fish_use_subcommand -a ${c.name} -d ${quote(c.description)}`);
    const when = `__fish_seen_subcommand_from ${c.name}`;
    for (const o of c.options) lines.push(option(o, when));
    const p = c.positional;
    const words = Array.isArray(p) ? p.join(' ') : p === 'commands' ? commands.map((x) => x.name).join(' ') : p === 'files' ? '' : `(aiw ${p} --names 2>/dev/null)`;
    if (words) lines.push(`complete -c aiw -n ${quote(when)} -a ${quote(words)}`);
    else lines.push(`complete -c aiw -n ${quote(when)} -F`);
  }
  return `${lines.join('\n')}\n`;
}
