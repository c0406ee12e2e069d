// The options every command takes, and the skill of `aiw run`, read before commander runs: by the
// loader (boot.ts), which answers `--version` itself and names its code cache after the command
// (and the skill), and by the CLI (command-list.ts), which builds only the command argv names.
// Read as commander reads them: a value-taking option takes the next word, whatever it is
// (`--root --version` is a root).

/** Each global option, and whether it takes a value. */
const TAKES_VALUE = new Map([['--root', true], ['--memory-dir', true], ['--debug', false]]);

/** How many words the global option at argv[i] takes (1, or 2 with its value); 0 when argv[i] is not one. */
export function globalOptionWords(argv: readonly string[], i: number): number {
  const arg = argv[i]!;
  const eq = arg.indexOf('=');
  const takesValue = TAKES_VALUE.get(eq < 0 ? arg : arg.slice(0, eq));
  if (takesValue === undefined || (eq >= 0 && !takesValue)) return 0;
  return takesValue && eq < 0 ? 2 : 1;
}

/** The index of argv's first word after its leading global options and their values (argv.length when none is left). */
export function afterGlobalOptions(argv: readonly string[]): number {
  let i = 0;
  while (i < argv.length) {
    const words = globalOptionWords(argv, i);
    if (words === 0) break;
    i += words;
  }
  // A value-taking option at the very end has no value: nothing follows it.
  return Math.min(i, argv.length);
}

/** The options of `aiw run` that take the next word as their value (command-list.ts defines them; a test holds the two together). */
export const RUN_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set(['-i', '--input', '--inputs-json', '--junit']);

/**
 * The skill `aiw run` is given, read from argv[from] on (the words after `run`) as commander reads
 * them: the first word that is neither an option nor an option's value, or the word after `--`;
 * undefined when there is none.
 */
export function runSkillWord(argv: readonly string[], from: number): string | undefined {
  for (let i = from; i < argv.length; ) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    const words = globalOptionWords(argv, i);
    if (words > 0) i += words;
    else if (arg.length > 1 && arg.startsWith('-')) i += runOptionWords(arg);
    else return arg;
  }
  return undefined;
}

/**
 * How many words a word that starts with `-` takes: 2 for an option that takes the next one as its
 * value. Short flags may come together (`-qi x=1` is `-q -i x=1`): the first letter that takes a
 * value takes the rest of the word (`-qix=1`), or the next word when it is the last letter.
 */
function runOptionWords(arg: string): number {
  if (RUN_OPTIONS_WITH_VALUE.has(arg)) return 2;
  if (arg.startsWith('--')) return 1;
  for (let at = 1; at < arg.length; at++) {
    if (RUN_OPTIONS_WITH_VALUE.has(`-${arg[at]}`)) return at === arg.length - 1 ? 2 : 1;
  }
  return 1;
}
