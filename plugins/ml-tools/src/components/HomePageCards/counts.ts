import type {
  HealthStatus,
  InstanceSummary,
} from '@ml-platform/plugin-ml-tools-common';
import { HEALTH_STATUSES } from '../HealthStatusIndicator';

/** How many instances of one tool (or of all tools) are in each health state. */
export interface HealthCounts {
  tool: string;
  total: number;
  byHealth: Record<HealthStatus, number>;
}

function emptyCounts(tool: string): HealthCounts {
  return {
    tool,
    total: 0,
    byHealth: Object.fromEntries(HEALTH_STATUSES.map(s => [s, 0])) as Record<
      HealthStatus,
      number
    >,
  };
}

/**
 * Counts instances by tool and health: one row per tool, sorted by name, and the totals.
 * A health value the backend may add later counts as `unknown` rather than vanishing.
 */
export function countByToolAndHealth(items: InstanceSummary[]): {
  rows: HealthCounts[];
  totals: HealthCounts;
} {
  const byTool = new Map<string, HealthCounts>();
  const totals = emptyCounts('all');
  for (const item of items) {
    const row = byTool.get(item.tool) ?? emptyCounts(item.tool);
    byTool.set(item.tool, row);
    const health = HEALTH_STATUSES.includes(item.health)
      ? item.health
      : 'unknown';
    for (const counts of [row, totals]) {
      counts.total += 1;
      counts.byHealth[health] += 1;
    }
  }
  const rows = [...byTool.values()].sort((a, b) =>
    a.tool.localeCompare(b.tool),
  );
  return { rows, totals };
}
