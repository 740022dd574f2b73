export interface Config {
  mlTools?: {
    deploy?: {
      /** How long `ml-tools:deploy` waits for Ready, in seconds (default 600). */
      readyTimeoutSeconds?: number;
      /** Interval between readiness polls, in milliseconds (default 2000). */
      pollIntervalMs?: number;
    };
  };
}
