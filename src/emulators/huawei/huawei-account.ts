/**
 * The one Huawei Cloud account the Huawei emulators (IAM, ModelArts, and later HSS and
 * CSMS) share: an account (domain) with one project, IAM users for token auth and access
 * keys for AK/SK signing.
 */
export interface HuaweiAccessKeyPair {
  accessKey: string;
  secretKey: string;
}

export interface HuaweiIamUser {
  name: string;
  password: string;
  /** 32 hex characters, as IAM user ids are. */
  id: string;
}

export interface HuaweiAccount {
  /** Account name, the `domain.name` of a token request. */
  domainName: string;
  domainId: string;
  /** The project every project-scoped URL must name. */
  projectId: string;
  /** Project name; on Huawei Cloud the default project of a region is named after it. */
  projectName: string;
  users: HuaweiIamUser[];
  accessKeys: HuaweiAccessKeyPair[];
}

/** What `npm run emulators` and demo mode accept. Not secrets: they open only the emulators. */
export const DEMO_HUAWEI_ACCOUNT: Readonly<HuaweiAccount> = Object.freeze({
  domainName: 'eventgraph-demo',
  domainId: '5c7a0f3e9b2d4e1f8a6b3c9d0e2f4a61',
  projectId: '8f3c2a1b0e9d4c7ba6f5e4d3c2b1a090',
  projectName: 'cn-north-4',
  users: [{ name: 'demo-user', password: 'Demo#Passw0rd', id: '2b6e9d1c4a7f40e3b5c8d2f1a0e9b7c3' }],
  accessKeys: [{ accessKey: 'EVGDEMOAK0HUAWEI0001', secretKey: 'evgDemoSecretKey0HuaweiCloud0ModelArts01' }],
});

/** Demo account, with overrides; extra users and keys are added to the demo ones. */
export function huaweiAccount(
  overrides: Partial<Omit<HuaweiAccount, 'users' | 'accessKeys'>> & {
    users?: HuaweiIamUser[];
    accessKeys?: HuaweiAccessKeyPair[];
  } = {},
): HuaweiAccount {
  return {
    domainName: overrides.domainName ?? DEMO_HUAWEI_ACCOUNT.domainName,
    domainId: overrides.domainId ?? DEMO_HUAWEI_ACCOUNT.domainId,
    projectId: overrides.projectId ?? DEMO_HUAWEI_ACCOUNT.projectId,
    projectName: overrides.projectName ?? DEMO_HUAWEI_ACCOUNT.projectName,
    users: [...DEMO_HUAWEI_ACCOUNT.users.map((u) => ({ ...u })), ...(overrides.users ?? [])],
    accessKeys: [...DEMO_HUAWEI_ACCOUNT.accessKeys.map((k) => ({ ...k })), ...(overrides.accessKeys ?? [])],
  };
}
