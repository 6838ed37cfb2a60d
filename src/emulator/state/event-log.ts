import { Buffer } from 'node:buffer';
import { pageIds, upperBound, type ListOrder } from './collection.js';

/** One stored event: its JSON text exactly as served, plus what the filters need. */
export interface StoredEvent {
  index: number;
  id: string;
  type: string;
  organizationId: string | null;
  createdAtMs: number;
  json: string;
}

export interface EventQuery {
  limit: number;
  after?: string | undefined;
  before?: string | undefined;
  order: ListOrder;
  types?: ReadonlySet<string> | undefined;
  organizationId?: string | undefined;
  rangeStartMs?: number | undefined;
  rangeEndMs?: number | undefined;
  /** Now: events whose visibility time is later are not shown yet (the settle delay). */
  nowMs: number;
}

/** Every stored event's JSON starts with this, then its 32-character id. */
const ID_OFFSET = '{"object":"event","id":"'.length;
const ID_LENGTH = 'event_'.length + 26;
const SLAB_BYTES = 32 * 1024 * 1024;

/**
 * The append-only event stream. Each event is serialized once, to UTF-8 bytes in large
 * slabs, and never again: a page of 100 is a copy of 100 byte ranges, and a million events
 * take little more than their JSON size. Filter columns live in typed arrays.
 */
export class EventLog {
  private count = 0;
  private readonly slabs: Buffer[] = [];
  private slabUsed = SLAB_BYTES;
  /** Position of event i: slab index * SLAB_BYTES + offset, and its byte length. */
  private positions = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private createdAtMs = new Float64Array(1024);
  /** When each event becomes visible to `GET /events` (created_at + settle delay). */
  private visibleAtMs = new Float64Array(1024);
  /** The settle delay of the next event, in ms (the real API shows new events a few seconds late). */
  delayOf: () => number = () => 0;
  private typeCodes = new Uint16Array(1024);
  private orgCodes = new Int32Array(1024);
  private readonly typeNames: string[] = [];
  private readonly typeCodeByName = new Map<string, number>();
  private readonly orgNames: string[] = [];
  private readonly orgCodeByName = new Map<string, number>();
  private readonly idAt = (i: number): string => {
    const pos = this.positions[i] as number;
    const slab = this.slabs[Math.floor(pos / SLAB_BYTES)] as Buffer;
    const offset = pos % SLAB_BYTES;
    return slab.toString('latin1', offset + ID_OFFSET, offset + ID_OFFSET + ID_LENGTH);
  };

  get length(): number {
    return this.count;
  }

  append(
    id: string,
    type: string,
    organizationId: string | null,
    createdAtMs: number,
    json: string,
  ): StoredEvent {
    const index = this.count;
    if (id.length !== ID_LENGTH || json.slice(ID_OFFSET, ID_OFFSET + ID_LENGTH) !== id) {
      throw new Error(
        `event JSON must start with {"object":"event","id":"<32-char id>" (got ${json.slice(0, 60)})`,
      );
    }
    if (index > 0) {
      const lastId = this.idAt(index - 1);
      if (lastId >= id) throw new Error(`event ids must ascend (${id} after ${lastId})`);
      if (createdAtMs < (this.createdAtMs[index - 1] as number))
        throw new Error('events must be appended in created_at order');
    }
    if (index === this.positions.length) this.grow();
    const bytes = Buffer.byteLength(json);
    if (this.slabUsed + bytes > SLAB_BYTES) {
      this.slabs.push(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes)));
      this.slabUsed = 0;
    }
    const slabIndex = this.slabs.length - 1;
    (this.slabs[slabIndex] as Buffer).write(json, this.slabUsed);
    this.positions[index] = slabIndex * SLAB_BYTES + this.slabUsed;
    this.lengths[index] = bytes;
    this.slabUsed += bytes;
    this.createdAtMs[index] = createdAtMs;
    this.visibleAtMs[index] = createdAtMs + this.delayOf();
    this.typeCodes[index] = this.code(type, this.typeNames, this.typeCodeByName);
    this.orgCodes[index] =
      organizationId === null ? -1 : this.code(organizationId, this.orgNames, this.orgCodeByName);
    this.count++;
    return { index, id, type, organizationId, createdAtMs, json };
  }

  /** The bytes of event i, without copying. */
  bytesAt(index: number): Buffer {
    const pos = this.positions[index] as number;
    const slab = this.slabs[Math.floor(pos / SLAB_BYTES)] as Buffer;
    const offset = pos % SLAB_BYTES;
    return slab.subarray(offset, offset + (this.lengths[index] as number));
  }

  at(index: number): StoredEvent | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const org = this.orgCodes[index] as number;
    return {
      index,
      id: this.idAt(index),
      type: this.typeNames[this.typeCodes[index] as number] as string,
      organizationId: org < 0 ? null : (this.orgNames[org] as string),
      createdAtMs: this.createdAtMs[index] as number,
      json: this.bytesAt(index).toString('utf8'),
    };
  }

  has(id: string): boolean {
    const i = upperBound(this.idAt, this.count, id, true);
    return i < this.count && this.idAt(i) === id;
  }

  /** Whether any event ever named this organization (for the 400 of an unknown one). */
  knowsOrganization(organizationId: string): boolean {
    return this.orgCodeByName.has(organizationId);
  }

  /** One page of `GET /events`: each event's JSON bytes in list order, and the cursors. */
  query(q: EventQuery): { data: Buffer[]; before: string | null; after: string | null } {
    // The window: created within [range_start, range_end]; each event in it shows once settled.
    const end = this.firstIndexAfter(Math.min(q.nowMs, q.rangeEndMs ?? Infinity));
    const start = q.rangeStartMs === undefined ? 0 : this.firstIndexAtOrAfter(q.rangeStartMs);
    const typeCodes = q.types ? this.codesOf(q.types, this.typeCodeByName) : null;
    const orgCode =
      q.organizationId === undefined ? null : (this.orgCodeByName.get(q.organizationId) ?? -2);
    const live = (i: number): Buffer | undefined => {
      if ((this.visibleAtMs[i] as number) > q.nowMs) return undefined;
      if (typeCodes && !typeCodes.has(this.typeCodes[i] as number)) return undefined;
      if (orgCode !== null && this.orgCodes[i] !== orgCode) return undefined;
      return this.bytesAt(i);
    };
    return pageIds(this.idAt, this.count, start, Math.max(start, end), q, live);
  }

  private firstIndexAfter(ms: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.createdAtMs[mid] as number) <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private firstIndexAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.createdAtMs[mid] as number) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private code(name: string, names: string[], codes: Map<string, number>): number {
    let code = codes.get(name);
    if (code === undefined) {
      code = names.length;
      names.push(name);
      codes.set(name, code);
    }
    return code;
  }

  private codesOf(names: ReadonlySet<string>, codes: Map<string, number>): Set<number> {
    const out = new Set<number>();
    for (const name of names) {
      const code = codes.get(name);
      if (code !== undefined) out.add(code);
    }
    return out;
  }

  private grow(): void {
    const size = this.positions.length * 2;
    const grown = <A extends Float64Array | Uint32Array | Uint16Array | Int32Array>(
      old: A,
      make: (n: number) => A,
    ): A => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.positions = grown(this.positions, (n) => new Float64Array(n));
    this.lengths = grown(this.lengths, (n) => new Uint32Array(n));
    this.createdAtMs = grown(this.createdAtMs, (n) => new Float64Array(n));
    this.visibleAtMs = grown(this.visibleAtMs, (n) => new Float64Array(n));
    this.typeCodes = grown(this.typeCodes, (n) => new Uint16Array(n));
    this.orgCodes = grown(this.orgCodes, (n) => new Int32Array(n));
  }
}
