// The layering of src/ (docs/architecture.md): a folder may import only folders of a LOWER rank,
// never one of its own rank (siblings stay independent) or above. Cycles between files are
// forbidden everywhere. `npm run lint` runs this, so a back-edge fails CI.
const LAYERS = [
  ['cli'],
  // `aiw mcp` (cli/commands/mcp.ts) starts the MCP server, so mcp/ sits just below cli/.
  ['mcp'],
  ['session'],
  ['validate', 'engine', 'report'],
  ['learn'],
  ['heal'],
  ['tools'],
  ['template', 'skill'],
  ['memory', 'project'],
  ['pattern', 'source', 'files'],
  ['model', 'secrets'],
  ['errors'],
];

const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));
const all = [...rank.keys()];

const forbidden = all.map((folder) => {
  const notBelow = all.filter((other) => other !== folder && rank.get(other) <= rank.get(folder));
  return {
    name: `layer-${folder}`,
    comment: `src/${folder} may import only folders below it: ${all.filter((o) => rank.get(o) > rank.get(folder)).join(', ') || '(none)'}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${notBelow.join('|')})/` },
  };
}).filter((rule) => !rule.to.path.endsWith('()/'));

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'no-circular',
      comment: 'Files must not import each other in a circle, however long.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'every-folder-has-a-layer',
      comment: 'A new folder under src/ needs a place in LAYERS (.dependency-cruiser.cjs) and docs/architecture.md.',
      severity: 'error',
      from: { path: `^src/(?!(${all.join('|')})/)[^/]+/` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/source/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
