import { builtInVendors } from '../../src/vendors/vendors.js';

/** The configuration schema of the built-in vendors, as `npm start` validates a file with. */
export const CONFIG_SCHEMA = builtInVendors().configSchema;
