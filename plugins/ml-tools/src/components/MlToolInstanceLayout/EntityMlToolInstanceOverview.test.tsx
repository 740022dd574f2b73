import { screen } from '@testing-library/react';
import { EntityMlToolInstanceOverview } from './EntityMlToolInstanceOverview';
import { renderLegacy } from '../../__testUtils__/renderLegacy';
import {
  INSTANCE_PATHS,
  instanceEntity,
} from '../../__testUtils__/fakeBackend';

describe('EntityMlToolInstanceOverview (legacy frontend system)', () => {
  it('opens with the health, access and links cards, then what the app adds', async () => {
    await renderLegacy(
      <EntityMlToolInstanceOverview>
        <p>About card here</p>
      </EntityMlToolInstanceOverview>,
      {
        entity: instanceEntity,
        answers: {
          [INSTANCE_PATHS.health]: 'pending',
          [INSTANCE_PATHS.access]: 'pending',
          [INSTANCE_PATHS.links]: 'pending',
        },
      },
    );
    const titles = ['Health', 'Access', 'Tool links'].map(t =>
      screen.getByText(t, { exact: true }),
    );
    const extra = screen.getByText('About card here');
    // In document order: the three cards, then the app's content.
    for (const title of titles) {
      expect(
        title.compareDocumentPosition(extra) & Node.DOCUMENT_POSITION_FOLLOWING,
      ).toBeTruthy();
    }
  });
});
