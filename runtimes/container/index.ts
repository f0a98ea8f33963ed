export { ContainerAdapter } from './container-adapter.js';
export { createPodmanAdapter, createDockerAdapter } from './container-factory.js';
export type { ContainerAdapterOptions } from './container-adapter.js';
export { podmanConfig, dockerConfig } from './engine-config.js';
export type { ContainerEngineConfig, EngineConfigOptions, EngineName, EngineQuirks, ResolvedUlimit } from './engine-config.js';
export { DockerodeApi } from './dockerode-api.js';
export type {
  DockerApiLike,
  CreateContainerBody,
  ContainerInspect,
  ContainerSummary,
  EngineEvent,
  ExecResult,
  LogOptions,
  PodInfo,
  PortBinding,
} from './docker-api.js';
export { ContainerErrorCode, classifyEngineError } from './errors.js';
export { containerName, podName, specHash as containerSpecHash, toCreateBody, validateContainerSpec, labelKeys } from './container-spec.js';
export { toObserved, mapState, observedPorts } from './observed.js';
export { splitImageRef, ensureImage } from './image-source.js';
export { demuxDockerStream } from './stream-demux.js';
export { SANDBOXES, DEFAULT_SANDBOX_OPTIONS, checkSandbox, isSandboxKind, ociRuntimeOf, sandboxNetworkMode } from './sandbox.js';
export type { SandboxFacts, SandboxKind, SandboxOptions } from './sandbox.js';
