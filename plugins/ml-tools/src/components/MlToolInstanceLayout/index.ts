export {
  MlToolInstanceLayout,
  arrangeInstanceCards,
  type LayoutCard,
} from './MlToolInstanceLayout';
export { EntityMlToolInstanceOverview } from './EntityMlToolInstanceOverview';
