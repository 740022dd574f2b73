import {
  ML_PLATFORM_LABELS,
  ML_PLATFORM_MANAGER,
} from '@ml-platform/plugin-ml-tools-common';

/**
 * The labels every object of an instance carries: our manager mark, the instance, the
 * tool and the owner group, plus `part-of` and an optional component.
 *
 * @public
 */
export function instanceLabels(options: {
  instance: string;
  tool: string;
  ownerName: string;
  component?: string;
}): Record<string, string> {
  return {
    [ML_PLATFORM_LABELS.managedBy]: ML_PLATFORM_MANAGER,
    [ML_PLATFORM_LABELS.partOf]: 'ml-platform',
    [ML_PLATFORM_LABELS.instance]: options.instance,
    [ML_PLATFORM_LABELS.tool]: options.tool,
    [ML_PLATFORM_LABELS.owner]: options.ownerName,
    ...(options.component
      ? { [ML_PLATFORM_LABELS.component]: options.component }
      : {}),
  };
}

/**
 * Label selector matching every object of one instance that we manage.
 *
 * @public
 */
export function instanceSelector(instance: string): string {
  return `${ML_PLATFORM_LABELS.managedBy}=${ML_PLATFORM_MANAGER},${ML_PLATFORM_LABELS.instance}=${instance}`;
}
