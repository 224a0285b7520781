#!/usr/bin/env node
// The `eventgraph` command (npx eventgraph …): the sources are TypeScript, run through tsx
// as `npm start` runs the server.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/eventgraph.main.ts');
