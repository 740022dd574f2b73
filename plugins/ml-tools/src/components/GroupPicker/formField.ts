import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { GROUP_PICKER_FIELD_NAME, GroupPicker } from './GroupPicker';

/** The group picker as the new frontend system's scaffolder loads it. */
export const groupPickerFormField = createFormField({
  name: GROUP_PICKER_FIELD_NAME,
  component: GroupPicker,
});
