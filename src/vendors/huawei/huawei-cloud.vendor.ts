/** Huawei Cloud, in the schema's Vendor: the vendor of the HSS, CSMS and ModelArts modules. */
export const HUAWEI_CLOUD = { name: 'HUAWEI_CLOUD', description: 'Huawei Cloud.' } as const;
