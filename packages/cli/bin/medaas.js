#!/usr/bin/env node
// The `medaas` bin. A committed file rather than dist/main.js itself, so that `npm install` links
// node_modules/.bin/medaas in the monorepo before anything is built (npm skips a bin whose file is missing).
import '../dist/main.js';
