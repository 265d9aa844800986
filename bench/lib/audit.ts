// Counting API calls from the API server's audit log (JSON lines, level Metadata, one
// ResponseComplete event per finished request): how many requests an action made, and in how
// many sequential rounds — the longest chain of requests each received only after the
// previous one had completed (concurrent requests overlap, so they share a round).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** Where the log ends now: read from here after the action. */
export function auditOffset(file: string): number {
  const fd = openSync(file, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** Completed requests logged since `offset`. */
export function completedSince(file: string, offset: number): AuditEvent[] {
  const fd = openSync(file, 'r');
  try {
    const length = fstatSync(fd).size - offset;
    const buffer = Buffer.alloc(Math.max(0, length));
    readSync(fd, buffer, 0, buffer.length, offset);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as AuditEvent)
      .filter((event) => event.stage === 'ResponseComplete');
  } finally {
    closeSync(fd);
  }
}

const micros = (timestamp: string): number => {
  const [, fraction = ''] = timestamp.match(/\.(\d+)Z$/) ?? [];
  return Date.parse(timestamp.replace(/\.\d+Z$/, 'Z')) * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6));
};

/** The longest chain of requests where each was received after the previous one completed. */
export function sequentialRounds(events: AuditEvent[]): number {
  const spans = events.map((event) => ({ start: micros(event.requestReceivedTimestamp), end: micros(event.stageTimestamp) })).sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  spans.forEach((span, i) => {
    depth[i] = 1 + Math.max(0, ...spans.slice(0, i).map((before, j) => (before.end <= span.start ? depth[j]! : 0)));
  });
  return Math.max(0, ...depth);
}
