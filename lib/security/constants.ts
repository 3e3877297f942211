/** Security lint findings; a topology can acknowledge a code under `securityLint.acknowledge`. */
export const SECURITY_FINDINGS = {
  inlineSecret: 'INLINE_SECRET',
  noPassword: 'NO_PASSWORD',
  plainHttp: 'PLAIN_HTTP',
  plainCoordinationAcrossRegions: 'PLAIN_COORDINATION_ACROSS_REGIONS',
  keeperAllowAll: 'KEEPER_4LW_ALLOW_ALL',
  keeperRcvr: 'KEEPER_4LW_DANGEROUS_WORD',
  keeperConfUnreadable: 'KEEPER_CONF_UNREADABLE',
  userWithoutPassword: 'USER_WITHOUT_PASSWORD',
  userFromAnyHost: 'USER_FROM_ANY_HOST',
  usersNotCheckable: 'USERS_NOT_CHECKABLE',
} as const;
