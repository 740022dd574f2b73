/*
 * Prints one `--unchecked-chart <repository>/<chart>@<version>` argument per chart of a
 * built-in blueprint whose values are checked elsewhere (no contract data can exist for
 * it), for scripts/start.sh to hand to the sandbox CLI, which then serves stand-ins of
 * them that say their values are not schema-checked.
 */
import {
  builtInBlueprints,
  chartsCheckedElsewhere,
} from '@ml-platform/plugin-ml-tools-node';

for (const chart of chartsCheckedElsewhere(builtInBlueprints)) {
  process.stdout.write(
    `--unchecked-chart\n${chart.repository}/${chart.name}@${chart.version}\n`,
  );
}
