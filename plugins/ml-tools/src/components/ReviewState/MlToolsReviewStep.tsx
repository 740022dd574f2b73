import type { ReviewStepProps } from '@backstage/plugin-scaffolder-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import { MlToolsReviewState } from './MlToolsReviewState';

/**
 * The last step of a template's form for apps on the legacy frontend system, which take
 * a whole review step (`<ScaffolderPage components={{ ReviewStepComponent }} />`): the
 * answers as {@link MlToolsReviewState} shows them (Group refs by title), then Back and
 * Create.
 *
 * @public
 */
export function MlToolsReviewStep(props: ReviewStepProps) {
  const { steps, formData, disableButtons, handleBack, handleCreate } = props;
  return (
    <>
      <MlToolsReviewState
        formState={formData}
        // The legacy props do not type the steps' titles; the review does not show them.
        schemas={steps.map(step => ({ title: '', ...step }))}
      />
      <Box display="flex" justifyContent="flex-end" gridGap={8} marginTop={2}>
        <Button onClick={handleBack} disabled={disableButtons}>
          Back
        </Button>
        <Button
          variant="contained"
          color="primary"
          onClick={handleCreate}
          disabled={disableButtons}
        >
          Create
        </Button>
      </Box>
    </>
  );
}
