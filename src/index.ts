/**
 * fairpod as a library: `import { runCase, DataRequest, loadPlugins, ... } from 'fairpod'`. Plugins import
 * from `fairpod/plugin` instead (see `src/plugin/index.ts`).
 */
import 'reflect-metadata';

export * from './core/errors.js';
export * from './core/dataKey.js';
export * from './core/varlist.js';
export * from './core/pod.js';
export * from './core/selection.js';
export * from './core/tieBreakers.js';
export * from './core/timeCoverage.js';
export * from './core/services.js';
export * from './core/dataSource.js';
export * from './core/dataRequest.js';
export * from './core/catalogQuery.js';
export * from './core/placeFiles.js';
export * from './core/podDriver.js';
export * from './core/podEnvironment.js';
export { writeCaseInfo } from './core/caseInfo.js';
export { fillTemplate, templatingDict, writePodHtml } from './core/htmlTemplate.js';
export { convertFigures, copyObsFigures } from './core/figures.js';
export { missingLinks, anchorTargets } from './core/linkCheck.js';
export { updateIndexPage, type IndexEntry } from './core/indexPage.js';
export { makePodOutput, makeOutputTree } from './core/podOutput.js';
export { pythonStr } from './settings/pythonStr.js';
export * from './core/podLocator.js';
export * from './core/report.js';
export * from './core/caseRun.js';
export type { ContractFixture } from './core/contract.js';
export * from './container.js';
export { definePlugin, createDataSource, isPluginDefinition } from './plugin/define.js';
export type { PluginDefinition, AnyPluginDefinition, PluginServices } from './plugin/define.js';
export * from './plugin/options.js';
export * from './plugin/catalog.js';
export { loadPlugins, type LoadPluginsOptions } from './plugin/load.js';
export { findPluginPackages, loadPluginPackage, pluginSearchDirs } from './plugin/discover.js';
export type { PluginPackage } from './plugin/discover.js';
export * from './settings/types.js';
export { loadPodSettings, parsePodSettings } from './settings/podSettings.js';
export { Translator, translate } from './settings/translator.js';
export * from './catalog/index.js';
export * from './core/provenance.js';
export * from './store/index.js';
export { Registry } from './registry/registry.js';
export { startRegistryServer } from './registry/rest/server.js';
export { createToken } from './registry/rest/tokens.js';
export { openCodeRun, CodeRunRecorder, computeRunId } from './registry/codeRun.js';
export { Project } from './registry/project.js';
export { initialise, linkRead, linkWrite, finalise } from './registry/session.js';
export { ProjectRunProvenance } from './registry/podRunRecorder.js';
export { Downloader } from './fetch/index.js';
export * as preprocess from './preprocess/index.js';
export * as units from './preprocess/units.js';
