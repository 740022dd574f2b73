import { KubeConfig } from '@kubernetes/client-node';
import type { MlToolsClusterConfig } from '../config/readMlToolsConfig';

/**
 * Builds a KubeConfig for one configured cluster. TLS verification stays on unless the
 * config explicitly turns it off.
 *
 * @public
 */
export function makeKubeConfig(cluster: MlToolsClusterConfig): KubeConfig {
  const kc = new KubeConfig();
  if (cluster.authProvider === 'inCluster') {
    kc.loadFromCluster();
  } else if (cluster.authProvider === 'kubeconfig') {
    if (cluster.kubeconfig) kc.loadFromString(cluster.kubeconfig);
    else kc.loadFromFile(cluster.kubeconfigPath!);
    if (cluster.kubeconfigContext)
      kc.setCurrentContext(cluster.kubeconfigContext);
  } else {
    kc.loadFromOptions({
      clusters: [
        {
          name: cluster.name,
          server: cluster.url,
          caData: cluster.caData,
          caFile: cluster.caFile,
          // A plain-http URL has no TLS to verify; the client refuses http otherwise.
          skipTLSVerify:
            cluster.skipTLSVerify || cluster.url?.startsWith('http:') === true,
        },
      ],
      users: [{ name: 'ml-platform', token: cluster.serviceAccountToken }],
      contexts: [
        { name: cluster.name, cluster: cluster.name, user: 'ml-platform' },
      ],
      currentContext: cluster.name,
    });
  }
  if (cluster.authProvider !== 'serviceAccount') {
    // Config wins over the kubeconfig's own CA/TLS settings when it gives them.
    const current = kc.getCurrentCluster();
    if (current && (cluster.caData || cluster.skipTLSVerify || cluster.url)) {
      const patched = {
        ...current,
        server: cluster.url ?? current.server,
        caData: cluster.caData ?? current.caData,
        skipTLSVerify: cluster.skipTLSVerify || current.skipTLSVerify,
      };
      kc.clusters = kc.clusters.map(c =>
        c.name === current.name ? patched : c,
      );
    }
  }
  return kc;
}
