#!/usr/bin/env node
import { exitQuietlyOnClosedStdout, runCli } from './program.js';

exitQuietlyOnClosedStdout();
process.exitCode = await runCli(process.argv);
