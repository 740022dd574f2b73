import { InputError } from '@backstage/errors';
import { packageChart } from './__testUtils__/contracts';
import { readChartPackage } from './chartArchive';
import type { ChartFiles } from './types';

const plain: ChartFiles = {
  name: 'plain',
  version: '0.1.0',
  defaults: {},
  dependencies: [],
};

describe('readChartPackage', () => {
  it('reads values.yaml as Helm does: yes/off are booleans, dates and times stay strings', async () => {
    const tgz = packageChart(
      plain,
      [],
      'enabled: yes\ntls: off\nquoted: "off"\nsince: 2001-12-14\nat: 10:30\nport: 0x1F\n',
    );
    expect((await readChartPackage(tgz)).defaults).toEqual({
      enabled: true,
      tls: false,
      quoted: 'off',
      since: '2001-12-14',
      at: '10:30',
      port: 31,
    });
  });

  it('treats an empty values.yaml as no defaults', async () => {
    expect(
      (await readChartPackage(packageChart(plain, [], ''))).defaults,
    ).toEqual({});
  });

  it('refuses what is not a chart package, in words', async () => {
    await expect(
      readChartPackage(Buffer.from('<html>not found</html>')),
    ).rejects.toThrow(
      new InputError(
        'The chart package is not a readable .tgz: incorrect header check',
      ),
    );
  });
});
