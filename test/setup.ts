// Loaded by mocha before every test file (see .mocharc.json): decorator metadata must exist first.
import 'reflect-metadata';
