import type { SourceConfig } from '../config/config.schema.js';
import { BkRepoSource } from './bkrepo/bkrepo.source.js';
import { ModelArtsSource } from './huawei-modelarts/modelarts.source.js';
import { HssSource } from './huawei-hss/hss.source.js';
import { CsmsSource } from './huawei-csms/csms.source.js';
import { TencentCcrSource } from './tencent-ccr/tencent-ccr.source.js';
import type { EventSource } from '../timeline/event-source.js';

/** The one place that knows every vendor: a configured source in, its implementation out. */
export function createSource(config: SourceConfig): EventSource {
  switch (config.kind) {
    case 'huawei-modelarts':
      return new ModelArtsSource(config);
    case 'tencent-ccr':
      return new TencentCcrSource(config);
    case 'huawei-hss':
      return new HssSource(config);
    case 'huawei-csms':
      return new CsmsSource(config);
    case 'bkrepo':
      return new BkRepoSource(config);
  }
}

export function createSources(configs: readonly SourceConfig[]): EventSource[] {
  return configs.map(createSource);
}
