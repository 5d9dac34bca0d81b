import { summarize } from '../demoDriver.js';

await summarize(['u850']);
