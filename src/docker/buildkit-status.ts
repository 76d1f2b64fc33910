// Decodes BuildKit's progress (base64 protobuf in `aux` of the build stream)
// into plain lines: step names once each, CACHED marks, and the steps' own
// output. dockerode's decoder prints log output as base64, hence our own.
import protobuf from 'protobufjs';

// The subset of moby.buildkit.v1.StatusResponse we read; unknown fields are skipped.
const root = protobuf.Root.fromJSON({
  nested: {
    Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    Vertex: {
      fields: {
        digest: { type: 'string', id: 1 }, name: { type: 'string', id: 3 }, cached: { type: 'bool', id: 4 },
        started: { type: 'Timestamp', id: 5 }, completed: { type: 'Timestamp', id: 6 }, error: { type: 'string', id: 7 },
      },
    },
    VertexLog: { fields: { vertex: { type: 'string', id: 1 }, msg: { type: 'bytes', id: 4 } } },
    StatusResponse: { fields: { vertexes: { rule: 'repeated', type: 'Vertex', id: 1 }, logs: { rule: 'repeated', type: 'VertexLog', id: 3 } } },
  },
});
const StatusResponse = root.lookupType('StatusResponse');

interface Vertex { digest: string; name: string; cached: boolean; started?: unknown; completed?: unknown; error: string }
interface Status { vertexes: Vertex[]; logs: { vertex: string; msg: Uint8Array }[] }

/** Turns successive trace messages into lines, announcing each step once. */
export function buildkitDecoder(): (base64: string) => string[] {
  const announced = new Set<string>();
  const partial = new Map<string, string>();
  return (base64) => {
    const status = StatusResponse.toObject(StatusResponse.decode(Buffer.from(base64, 'base64')), { defaults: true }) as Status;
    const lines: string[] = [];
    for (const v of status.vertexes) {
      // BuildKit's internal plumbing steps are noise to the pusher.
      if (!v.name || v.name.startsWith('[internal]') || v.name === 'copy /context /') continue;
      if (v.cached && v.completed && !announced.has(`${v.digest}:cached`)) {
        announced.add(`${v.digest}:cached`);
        announced.add(v.digest);
        lines.push(`CACHED ${v.name}`);
      } else if (v.started && !announced.has(v.digest)) {
        announced.add(v.digest);
        lines.push(v.name);
      }
      if (v.error) lines.push(`ERROR: ${v.error}`);
    }
    for (const log of status.logs) {
      const text = (partial.get(log.vertex) ?? '') + Buffer.from(log.msg).toString('utf8');
      const parts = text.split('\n');
      partial.set(log.vertex, parts.pop() ?? '');
      lines.push(...parts.filter((p) => p.trim()));
    }
    return lines;
  };
}
