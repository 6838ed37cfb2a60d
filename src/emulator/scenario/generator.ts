import { createRole } from '../state/roles.js';
import type { Organization } from '../state/types.js';
import { createUser } from '../state/users.js';
import type { World } from '../state/world.js';
import { FIRST_NAMES, LAST_NAMES } from './names.js';
import { ORGANIZATION_PLANNERS, PLANNERS, type Planner, type Step } from './planners.js';

/**
 * Builds realistic WorkOS histories. Every choice comes from the world's seeded random
 * generator, so one seed always gives the same sequence of changes. `step(max)` makes one
 * change emitting at most `max` events, which is how `generateHistory` lands on exactly N.
 */
export class ScenarioGenerator {
  private counter = 0;
  /** Remaining steps of a burst of activity inside one organization. */
  private burst: { organizationId: string; left: number } | null = null;

  constructor(readonly world: World) {}

  get random() {
    return this.world.random;
  }

  uniqueEmail(first: string, last: string, domain = 'example.com'): string {
    this.counter++;
    return `${first}.${last}.${this.counter}@${domain}`.toLowerCase().replace(/[^a-z0-9.@-]/g, '');
  }

  person(): { first_name: string; last_name: string } {
    return { first_name: this.random.pick(FIRST_NAMES), last_name: this.random.pick(LAST_NAMES) };
  }

  nextNumber(): number {
    return ++this.counter;
  }

  /** Makes one change of at most `maxEvents` events (at least 1). Returns the events emitted. */
  step(maxEvents: number): number {
    const before = this.world.events.length;
    const plan = this.plan(maxEvents);
    plan.run();
    const emitted = this.world.events.length - before;
    if (emitted !== plan.cost)
      throw new Error(`scenario step planned ${plan.cost} events but emitted ${emitted}`);
    return emitted;
  }

  /** Whether the step just planned belongs to a burst (the caller spaces those milliseconds apart). */
  get inBurst(): boolean {
    return this.burst !== null;
  }

  private plan(maxEvents: number): Step {
    if (this.world.roles.where('organization', '').length === 0 && maxEvents >= 1) {
      return { cost: 1, run: () => createRole(this.world, { slug: 'member', name: 'Member' }) };
    }
    if (this.world.roles.where('organization', '').length === 1 && maxEvents >= 1) {
      return {
        cost: 1,
        run: () =>
          createRole(this.world, { slug: 'admin', name: 'Admin', permissions: ['users:manage'] }),
      };
    }
    let organization: Organization | undefined;
    if (this.burst) {
      organization = this.world.organizations.get(this.burst.organizationId);
      if (!organization || --this.burst.left <= 0) this.burst = null;
    } else if (this.world.organizations.size > 3 && this.random.chance(0.01)) {
      organization = this.randomOrganization();
      if (organization)
        this.burst = { organizationId: organization.id, left: 10 + this.random.int(50) };
    }
    organization ??= this.randomOrganization();
    for (let attempt = 0; attempt < 20; attempt++) {
      const planner = this.pickPlanner(organization !== undefined && this.burst !== null);
      const step = planner(this, organization);
      if (step && step.cost <= maxEvents) return step;
    }
    // Always possible and always exactly one event: a new user.
    const p = this.person();
    return {
      cost: 1,
      run: () =>
        createUser(this.world, { ...p, email: this.uniqueEmail(p.first_name, p.last_name) }),
    };
  }

  private pickPlanner(organizationOnly: boolean): Planner {
    const table = organizationOnly ? ORGANIZATION_PLANNERS : PLANNERS;
    let total = 0;
    for (const [weight] of table) total += weight;
    let roll = this.random.float() * total;
    for (const [weight, planner] of table) {
      roll -= weight;
      if (roll < 0) return planner;
    }
    return (table[table.length - 1] as [number, Planner])[1];
  }

  randomOrganization(): Organization | undefined {
    return this.world.organizations.random(() => this.random.float());
  }
}
