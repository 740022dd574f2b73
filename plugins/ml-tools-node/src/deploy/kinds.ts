/**
 * A Kubernetes kind the suite writes or reads, with its REST name.
 *
 * @public
 */
export interface MlToolsKind {
  apiVersion: string;
  kind: string;
  /** REST resource name (plural). */
  plural: string;
  namespaced: boolean;
}

/**
 * The one table of the release and chart-source kinds the deploy drivers write: Flux's
 * HelmRelease and HelmRepository, Argo CD's Application. Everything that writes, lists
 * or reads them takes their API versions from here.
 *
 * @public
 */
export const DEPLOY_KINDS = Object.freeze({
  HelmRelease: Object.freeze({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    plural: 'helmreleases',
    namespaced: true,
  }),
  HelmRepository: Object.freeze({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    plural: 'helmrepositories',
    namespaced: true,
  }),
  Application: Object.freeze({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    plural: 'applications',
    namespaced: true,
  }),
} satisfies Record<string, MlToolsKind>);

/**
 * The release kind each deploy driver writes.
 *
 * @public
 */
export const RELEASE_KIND_OF_DRIVER: Readonly<
  Record<'flux' | 'argocd', MlToolsKind>
> = Object.freeze({
  flux: DEPLOY_KINDS.HelmRelease,
  argocd: DEPLOY_KINDS.Application,
});

/**
 * The release kinds of both drivers: an instance made with either is found.
 *
 * @public
 */
export const RELEASE_KINDS: readonly MlToolsKind[] = Object.freeze([
  DEPLOY_KINDS.HelmRelease,
  DEPLOY_KINDS.Application,
]);
