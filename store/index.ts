/** The Floria store: the only door to Automerge for every other layer. */
export { ENTITY_KINDS, isEntityKind, parseEntityKind, entityId, parseEntityId, checkEntityId, formatEntityId, entityKey, parseEntityKey, sameEntity, parseDeploymentName, parseHostId, generateName } from './ids.js';
export type { EntityKind, EntityId, DeploymentName, HostId } from './ids.js';
export { STORE_ERROR_CODES, storeError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export * from './expression/index.js';
export type {
  Metadata,
  Property,
  Properties,
  EventHandler,
  EventHandlers,
  VertexStatus,
  Plugin,
  Class,
  VertexTemplate,
  EdgeTargetSelector,
  EdgeTemplate,
  Vertex,
  Edge,
  Entity,
  EntityByKind,
  PropertyInput,
  PluginInput,
  ClassInput,
  VertexTemplateInput,
  EdgeTemplateInput,
  VertexInput,
  EdgeInput,
  InputByKind,
  EntityPatch,
} from './entities.js';
export type { ChangeField, ChangeEvent, ChangeListener, FieldChange, HistoryEntry, ClusterChangeField, ClusterChangeEvent, ClusterChangeListener } from './events.js';
export type {
  SharePolicy,
  StoreOptions,
  DeploymentInfo,
  HostInfo,
  PluginInfo,
  Cluster,
  Query,
  PropagationFlags,
  DispatchResult,
  InstantiateOptions,
  InstantiationResult,
  Deployment,
  Store,
} from './api.js';
export { openStore } from './store.js';
export { openSharedClusterDoc, sharedClusterDocumentId } from './shared-cluster.js';
export { BUILTIN_EVENTS } from './dispatch.js';
export { SERVICE_VERTEX } from './deployment.js';
export { CONTROL_KEYS, readControl, withControl } from './control.js';
export type { VertexControl } from './control.js';
