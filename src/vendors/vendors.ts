// The vendor modules carry type-graphql classes, whose decorators need the metadata API first.
import 'reflect-metadata';
import { bkrepoVendor } from './bkrepo/bkrepo.vendor.js';
import { csmsVendor } from './huawei-csms/csms.vendor.js';
import { hssVendor } from './huawei-hss/hss.vendor.js';
import { modelartsVendor } from './huawei-modelarts/modelarts.vendor.js';
import { tencentCcrVendor } from './tencent-ccr/tencent-ccr.vendor.js';
import { VendorRegistry } from './vendor-registry.js';

/**
 * The vendors eventgraph reads: the one list that names them. Everything that knows every
 * vendor iterates it (through `VendorRegistry`). Its order is the order of the schema's
 * enums, of demo mode's sources and of `npm run emulators`.
 */
export const VENDORS = [tencentCcrVendor, hssVendor, csmsVendor, modelartsVendor, bkrepoVendor] as const;

export type BuiltInVendor = (typeof VENDORS)[number];

/** The registry of the built-in vendors, for the entry points. */
export const builtInVendors = (): VendorRegistry<typeof VENDORS> => new VendorRegistry(VENDORS);
