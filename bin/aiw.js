#!/usr/bin/env node
// CommonJS (bin/package.json): an ES module entry would start Node's ESM loader for nothing.
require('../dist/aiw.cjs');
