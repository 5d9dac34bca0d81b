import { summarize } from '../demoDriver.js';

console.log(`demo_alternate: ${process.env.DEMO_TITLE}`);
await summarize(['tas', 'ts', 'pr']);
