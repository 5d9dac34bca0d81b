#!/usr/bin/env node
import 'reflect-metadata';
import { exitQuietlyOnClosedStdout, runCli } from './program.js';

exitQuietlyOnClosedStdout();
process.exitCode = await runCli(process.argv);
