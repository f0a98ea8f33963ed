/**
 * Khutulun's library entry (`import { … } from 'khutulun'`): the embedding facade, the agent, and
 * the error and logging types they use. Each layer is importable on its own as well
 * (`khutulun/agent`, `khutulun/store`, `khutulun/tosca`, `khutulun/runtimes`, …; package.json exports).
 */
export { startHost } from './embed/index.js';
export type { EmbeddedHost, EmbeddedHostOptions, DeploySource, DeployResult, NodesListener, WatchNodesOptions } from './embed/index.js';
export { startAgent, EventHub, readAgentRecord } from './agent/index.js';
export type { Agent, AgentOptions, AgentEvent, AgentRecord, DeploymentStatus, DeploymentSummary, NodeStatus, HostView, DeploymentPlan, GraphNode, HistoryRecord, RunSpec, RunReport, RunResult, RunStepResult } from './agent/index.js';
export { KhutulunError, isRetryable, asKhutulunError, silentLogger, stderrLogger, MetricsRegistry, defaultMetrics } from './common/index.js';
export type { ErrorData, Logger, LogLevel, LogFormat } from './common/index.js';
/** The common layer as a namespace (kept for code written against the first entry point). */
export * as common from './common/index.js';
