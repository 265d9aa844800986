// Times as Kubernetes writes them (metav1.Time, and client-go's ExecCredential expiry): RFC 3339
// in UTC, whole seconds.

const twoDigits = (value: number) => String(value).padStart(2, '0');

/**
 * `2026-11-30T21:49:44Z`. Built from the UTC fields rather than toISOString(), whose first call
 * in a process costs ~0.2 ms: the exec cache hit prints one on every kubectl call.
 */
export function kubeTime(time: Date): string {
  const year = String(time.getUTCFullYear()).padStart(4, '0');
  return `${year}-${twoDigits(time.getUTCMonth() + 1)}-${twoDigits(time.getUTCDate())}T${twoDigits(time.getUTCHours())}:${twoDigits(time.getUTCMinutes())}:${twoDigits(time.getUTCSeconds())}Z`;
}
