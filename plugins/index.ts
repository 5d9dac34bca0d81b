// Every data-source plugin shipped with fairpod: one import line each registers it.
import './filesystem/index.js';
import './http/index.js';
import './registry/index.js';
