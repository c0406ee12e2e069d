#!/usr/bin/env node
// `node bin/aiw.js` from a checkout. An install runs dist/aiw.cjs itself (package.json "bin").
// CommonJS (bin/package.json): an ES module entry would start Node's ESM loader for nothing.
require('../dist/aiw.cjs');
