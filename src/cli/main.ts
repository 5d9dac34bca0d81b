#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv);
