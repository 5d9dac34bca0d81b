#!/usr/bin/env node
// First in every entry point (the project's rule): tsyringe's decorators need the metadata API loaded.
import 'reflect-metadata';
import { exitQuietlyOnClosedStdout, runCli } from './program.js';

exitQuietlyOnClosedStdout();
process.exitCode = await runCli(process.argv);
