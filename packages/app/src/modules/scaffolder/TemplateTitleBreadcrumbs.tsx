import {
  ReactNode,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useLocation } from 'react-router-dom';
import { useApi } from '@backstage/core-plugin-api';
import type { BreadcrumbEntryData } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  createVersionedContext,
  createVersionedValueMap,
  useVersionedContext,
} from '@backstage/version-bridge';

interface Registration {
  update(label: string, href: string): void;
  unregister(): void;
}

/** Version 1 of the app's breadcrumb registry, as `BreadcrumbEntry` reads it. */
interface BreadcrumbRegistry {
  breadcrumbs: { items: BreadcrumbEntryData[] };
  register(entry: BreadcrumbEntryData): Registration;
}

// The key under which @backstage/plugin-app provides the registry that
// `BreadcrumbEntry` of @backstage/frontend-plugin-api registers with.
const REGISTRY_KEY = 'breadcrumbs-context';
const RegistryContext = createVersionedContext<{ 1: BreadcrumbRegistry }>(
  REGISTRY_KEY,
);

/** `<namespace>/<name>` of the template whose form the URL shows, if any. */
function templateInPath(
  pathname: string,
): { namespace: string; name: string } | undefined {
  const match = /\/templates\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
  return match
    ? {
        namespace: decodeURIComponent(match[1]),
        name: decodeURIComponent(match[2]),
      }
    : undefined;
}

/**
 * The scaffolder's template form registers a breadcrumb labelled with the template's
 * `metadata.name` (`mlflow`); a person knows the template by its title (`MLflow tracking
 * server`). This sits between that form and the app's breadcrumb registry and relabels
 * the one entry that carries the name of the template in the URL with its title, once the
 * catalog has answered. Every other entry passes through unchanged.
 */
export function TemplateTitleBreadcrumbs(props: { children: ReactNode }) {
  const outer = useVersionedContext<{ 1: BreadcrumbRegistry }>(
    REGISTRY_KEY,
  )?.atVersion(1);
  const catalogApi = useApi(catalogApiRef);
  const { pathname } = useLocation();
  const template = templateInPath(pathname);
  const [title, setTitle] = useState<{ name: string; title: string }>();

  useEffect(() => {
    if (!template) return undefined;
    let current = true;
    catalogApi
      .getEntityByRef({
        kind: 'Template',
        namespace: template.namespace,
        name: template.name,
      })
      .then(entity => {
        if (current && entity?.metadata.title) {
          setTitle({ name: template.name, title: entity.metadata.title });
        }
      })
      // Without a title the name stays, as it would without this component.
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [catalogApi, template?.namespace, template?.name]); // eslint-disable-line react-hooks/exhaustive-deps

  const titleRef = useRef(title);
  titleRef.current = title;
  const live = useRef(
    new Set<{ label: string; href: string; registration: Registration }>(),
  );
  const display = (label: string) =>
    titleRef.current && titleRef.current.name === label
      ? titleRef.current.title
      : label;

  const register = useCallback(
    (entry: BreadcrumbEntryData): Registration => {
      if (!outer) return { update() {}, unregister() {} };
      const record = {
        label: entry.label,
        href: entry.href,
        registration: outer.register({ ...entry, label: display(entry.label) }),
      };
      live.current.add(record);
      return {
        update(label, href) {
          record.label = label;
          record.href = href;
          record.registration.update(display(label), href);
        },
        unregister() {
          live.current.delete(record);
          record.registration.unregister();
        },
      };
    },
    [outer], // eslint-disable-line react-hooks/exhaustive-deps
  );

  // Relabel what is already registered when the title arrives.
  useEffect(() => {
    for (const record of live.current) {
      record.registration.update(display(record.label), record.href);
    }
  }, [title]); // eslint-disable-line react-hooks/exhaustive-deps

  const value = useMemo(
    () =>
      outer
        ? createVersionedValueMap({
            1: { breadcrumbs: outer.breadcrumbs, register },
          })
        : undefined,
    [outer, register],
  );
  if (!value) return <>{props.children}</>;
  return (
    <RegistryContext.Provider value={value}>
      {props.children}
    </RegistryContext.Provider>
  );
}
