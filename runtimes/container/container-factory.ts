/** The Podman and Docker adapters, each from its engine's socket configuration (engine-config.ts). */
import { ContainerAdapter } from './container-adapter.js';
import type { ContainerAdapterOptions } from './container-adapter.js';
import { dockerConfig, podmanConfig } from './engine-config.js';
import type { EngineConfigOptions } from './engine-config.js';

type FactoryOptions = EngineConfigOptions & Pick<ContainerAdapterOptions, 'api' | 'apiFor' | 'clock' | 'hasKvm' | 'pathExists'>;

function extras(options: FactoryOptions): Omit<ContainerAdapterOptions, 'config'> {
  return {
    ...(options.api ? { api: options.api } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.hasKvm ? { hasKvm: options.hasKvm } : {}),
    ...(options.pathExists ? { pathExists: options.pathExists } : {}),
    ...(options.apiFor ? { apiFor: options.apiFor } : {}),
  };
}

export function createPodmanAdapter(options: FactoryOptions = {}): ContainerAdapter {
  return new ContainerAdapter({ config: podmanConfig(options), ...extras(options) });
}

export function createDockerAdapter(options: FactoryOptions = {}): ContainerAdapter {
  return new ContainerAdapter({ config: dockerConfig(options), ...extras(options) });
}
