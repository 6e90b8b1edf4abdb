export type Caller = { kind: 'operator' } | { kind: 'tenant'; tenantId: string; keyId: string };

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  caller?: Caller;
}
