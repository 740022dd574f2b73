export { FleetOrphans } from './FleetOrphans';
