#!/usr/bin/env node
import '../dist/aiw.js';
