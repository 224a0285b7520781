import type { SourceConfig } from '../config/config.schema.js';
import { ModelArtsSource } from './huawei-modelarts/modelarts.source.js';
import type { EventSource } from './source.js';

/** The one place that knows every vendor: a configured source in, its implementation out. */
export function createSource(config: SourceConfig): EventSource {
  switch (config.kind) {
    case 'huawei-modelarts':
      return new ModelArtsSource(config);
  }
}

export function createSources(configs: readonly SourceConfig[]): EventSource[] {
  return configs.map(createSource);
}
