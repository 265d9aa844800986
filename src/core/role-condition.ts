// A CredentialRole object read from the cluster, judged by the same validator as role files
// (role-spec.ts): the role, or its problems — and the status that says so (a Ready condition,
// metav1.Condition-shaped), written only when it changed. Whoever reads roles from the cluster
// (role commands, doctor, the delegated-issuance controller) calls this one function. Pure.

import { kubeTime } from './kube-time.js';
import { isRecord } from './raw.js';
import { checkRoleSpec, roleMode, roleRefKind, type RoleDefinition } from './role-spec.js';

export interface RoleCondition {
  type: 'Ready';
  status: 'True' | 'False';
  reason: 'Valid' | 'Invalid';
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export interface RoleStatus {
  observedGeneration: number;
  mode?: string;
  conditions: RoleCondition[];
}

/** The parts of a CredentialRole object the tool reads. */
export interface RoleObject {
  metadata: { name: string; generation?: number; resourceVersion?: string; uid?: string };
  spec?: unknown;
  status?: { observedGeneration?: number; mode?: string; conditions?: Partial<RoleCondition>[] };
}

export interface JudgedRole {
  name: string;
  role?: RoleDefinition;
  problems: string[];
  /** The status the object should have. */
  status: RoleStatus;
  /** Whether it differs from the object's status (then the status subresource is written). */
  statusChanged: boolean;
}

/** What a lease of the role gets, in words (the Mode printer column). */
export function modeOf(role: RoleDefinition): string {
  switch (roleMode(role.spec)) {
    case 'serviceAccount':
      return 'ServiceAccount';
    case 'kubernetesRole':
      return roleRefKind(role.spec);
    case 'rules':
      return `generated ${role.spec.roleType ?? 'Role'}`;
  }
}

/** Judges one object; `now` stamps a condition whose status changes. */
export function judgeRoleObject(object: RoleObject, now: Date): JudgedRole {
  const name = object.metadata.name;
  const { role, problems } = checkRoleSpec(name, object.spec);
  const generation = object.metadata.generation ?? 0;
  const previous = object.status?.conditions?.find((condition) => condition.type === 'Ready');
  const status: RoleCondition['status'] = role ? 'True' : 'False';
  const condition: RoleCondition = {
    type: 'Ready',
    status,
    reason: role ? 'Valid' : 'Invalid',
    message: role ? 'the role is valid and can be issued' : problems.join('; '),
    observedGeneration: generation,
    // As metav1.Condition means it: when the status last changed, not when it was last looked at.
    lastTransitionTime: previous?.status === status && typeof previous.lastTransitionTime === 'string' ? previous.lastTransitionTime : kubeTime(now),
  };
  const next: RoleStatus = { observedGeneration: generation, ...(role ? { mode: modeOf(role) } : {}), conditions: [condition] };
  const current = object.status;
  const statusChanged =
    current?.observedGeneration !== generation ||
    current.mode !== next.mode ||
    !previous ||
    (['status', 'reason', 'message', 'observedGeneration'] as const).some((key) => previous[key] !== condition[key]);
  return { name, ...(role ? { role } : {}), problems, status: next, statusChanged };
}

/** Whether `value` has the shape of a CredentialRole object (anything else is a server's surprise). */
export function isRoleObject(value: unknown): value is RoleObject {
  return isRecord(value) && isRecord(value.metadata) && typeof value.metadata.name === 'string';
}
