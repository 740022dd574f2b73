export { GROUP_PICKER_FIELD_NAME, GroupPicker } from './GroupPicker';
export type { GroupPickerValue } from './GroupPicker';
