import type { Connection } from './types.js';
import type { World } from './world.js';

export interface ConnectionInput {
  organization_id: string;
  connection_type?: string;
  name?: string;
  domains?: string[];
}

/** WorkOS has no `connection.created`: a connection exists in draft until it is activated. */
export function createConnection(world: World, input: ConnectionInput): Connection {
  world.require(world.organizations, 'Organization', input.organization_id);
  const now = world.isoNow();
  const connection: Connection = {
    object: 'connection',
    id: world.newId('conn'),
    organization_id: input.organization_id,
    connection_type: input.connection_type ?? 'OktaSAML',
    name: input.name ?? 'SSO',
    state: 'draft',
    status: 'unlinked',
    external_key: world.random.int(2 ** 31).toString(16),
    domains: (input.domains ?? []).map((domain) => ({
      object: 'connection_domain' as const,
      id: world.newId('conn_domain'),
      domain,
    })),
    created_at: now,
    updated_at: now,
  };
  world.connections.put(connection);
  return connection;
}

export function setConnectionActive(world: World, id: string, active: boolean): Connection {
  const current = world.require(world.connections, 'Connection', id);
  const connection: Connection = {
    ...current,
    state: active ? 'active' : 'inactive',
    status: active ? 'linked' : 'unlinked',
    updated_at: world.isoNow(),
  };
  world.connections.put(connection);
  world.emit(
    active ? 'connection.activated' : 'connection.deactivated',
    connection,
    connection.organization_id,
  );
  return connection;
}

export function deleteConnection(world: World, id: string): Connection {
  const connection = world.require(world.connections, 'Connection', id);
  world.connections.delete(id);
  world.emit('connection.deleted', connection, connection.organization_id);
  return connection;
}
